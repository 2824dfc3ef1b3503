r"""The IoU variants of the 2023-24 field, and the two IoU-term modifiers
that apply to every built-in variant.  Boxes are xyxy; ``eps`` is added to
every denominator; ``p``/``t`` are the predicted and target boxes' corners
and sizes (:class:`.box_iou._Geometry`).

Variants (``V``; the loss is ``1 - V``):

* **MPDIoU** (Ma & Xu, "MPDIoU: A Loss for Efficient and Accurate Bounding
  Box Regression", arXiv 2307.07662, 2023):
  ``V = IoU - d1^2 / (W^2 + H^2) - d2^2 / (W^2 + H^2)``, ``d1``/``d2`` the
  distances of the top-left and of the bottom-right corners, ``W x H`` the
  input image (``mpdiou_size``).
* **Shape-IoU** (Zhang & Zhang, "Shape-IoU: More Accurate Metric
  considering Bounding Box Shape and Scale", arXiv 2312.17663, 2023/24):
  with the target's ``w, h`` and ``shape_scale`` s,
  ``ww = 2 w^s / (w^s + h^s)``, ``hh = 2 h^s / (w^s + h^s)``,
  ``distance = (hh dx^2 + ww dy^2) / c^2`` (c the enclosing box's
  diagonal), ``shape = sum_t (1 - exp(-omega_t))^4`` with
  ``omega_w = hh |w_p - w| / max(w_p, w)`` and ``omega_h`` likewise with
  ``ww``; ``V = IoU - distance - 0.5 shape``.
* **NWD** (Wang, Xu, Yang & Yu, "A Normalized Gaussian Wasserstein Distance
  for Tiny Object Detection", arXiv 2110.13389, 2021):
  ``W2^2 = |dcentre|^2 + ((dw)^2 + (dh)^2) / 4``,
  ``V = exp(-sqrt(W2^2) / C)``; ``C`` (``nwd_constant``, 12.8 in the
  paper's AI-TOD) depends on the dataset's object sizes.  NWD has no IoU
  term, so the modifiers below do not apply to it.

* **PIoU** (Liu, Wang, Jiang, Yu & Zhang, "Powerful-IoU: More
  straightforward and faster bounding box regression loss with a
  nonmonotonic focusing mechanism", Neural Networks 170, 2024; code
  fppccc/Powerful-IoU): the mean of the four edge gaps, each divided by
  the *target's* width or height,
  ``P = ((|x1 - x1g| + |x2 - x2g|) / wg + (|y1 - y1g| + |y2 - y2g|) / hg) / 4``,
  and ``V = IoU - (1 - exp(-P^2))``, so the loss is PIoU v1's
  ``1 - IoU + 1 - exp(-P^2)``, in [0, 2].  (PIoU v2's focusing is the
  formula ``piou_v2``, :func:`piou_v2_focusing`.)
* **InterpIoU** (Liu & Watanabe, "InterpIoU: Rethinking Bounding Box
  Regression with Interpolation-Based IoU Optimization", arXiv 2507.12420,
  2025): the handcrafted penalty becomes the IoU loss of a box
  interpolated towards the target, ``B_a = (1 - a) B + a B_g``:
  ``V = IoU - (1 - IoU(B_a, B_g))``, in [-1, 1].  ``interp_alpha = a``
  (0.99), or ``'dynamic'`` (Dynamic InterpIoU:
  ``a = clamp(1 - IoU*, 0.6, 0.99)``, ``*`` detached): a box far from its
  target gets an interpolated box close to the target, so the gradient
  never vanishes when the boxes do not overlap.

IoU-term modifiers (the penalty terms stay as they are):

* **Inner-IoU** (Zhang, Xu & Zhang, "Inner-IoU: More Effective
  Intersection over Union Loss with Auxiliary Bounding Box", arXiv
  2311.02877, 2023): the IoU of auxiliary boxes with the same centres and
  ``inner_ratio`` times the width and height (r < 1 helps high-IoU
  samples, r > 1 low-IoU ones).
* **Focaler-IoU** (Zhang & Zhang, "Focaler-IoU: More Focused Intersection
  over Union Loss", arXiv 2401.10525, 2024): the IoU term becomes
  ``clamp((IoU - d) / (u - d), 0, 1)`` for ``focaler_interval = (d, u)``
  (the authors' d = 0, u = 0.95).
"""
from typing import NamedTuple, Optional, Tuple, Union

import torch
from torch import Tensor


#: Dynamic InterpIoU's bounds on the interpolation weight
INTERP_DYNAMIC_BOUNDS = (0.6, 0.99)


class VariantOptions(NamedTuple):
    """Arguments of the field's variants and of the modifiers."""
    mpdiou_size: Optional[Tuple[float, float]] = None
    shape_scale: float = 0.0
    nwd_constant: float = 12.8
    inner_ratio: Optional[float] = None
    focaler_interval: Optional[Tuple[float, float]] = None
    interp_alpha: Union[float, str] = 0.99


def mpdiou_penalties(g, size, eps: float) -> Tuple[Tensor, ...]:
    w, h = size
    norm = float(w) ** 2 + float(h) ** 2
    d1 = (g.px1 - g.tx1) ** 2 + (g.py1 - g.ty1) ** 2
    d2 = (g.px2 - g.tx2) ** 2 + (g.py2 - g.ty2) ** 2
    return d1 / (norm + eps), d2 / (norm + eps)


def shapeiou_penalties(g, scale: float, eps: float) -> Tuple[Tensor, ...]:
    ws, hs = g.tw.pow(scale), g.th.pow(scale)
    ww, hh = 2 * ws / (ws + hs + eps), 2 * hs / (ws + hs + eps)
    cw = (torch.max(g.px2, g.tx2) - torch.min(g.px1, g.tx1)).clamp(min=0)
    ch = (torch.max(g.py2, g.ty2) - torch.min(g.py1, g.ty1)).clamp(min=0)
    dx = (g.tx1 + g.tx2 - g.px1 - g.px2) * 0.5
    dy = (g.ty1 + g.ty2 - g.py1 - g.py2) * 0.5
    distance = (hh * dx * dx + ww * dy * dy) / (cw * cw + ch * ch + eps)
    omega_w = hh * (g.pw - g.tw).abs() / (torch.max(g.pw, g.tw) + eps)
    omega_h = ww * (g.ph - g.th).abs() / (torch.max(g.ph, g.th) + eps)
    shape = (1 - torch.exp(-omega_w)) ** 4 + (1 - torch.exp(-omega_h)) ** 4
    return distance, 0.5 * shape


def nwd_value(g, constant: float, eps: float) -> Tensor:
    dx = (g.tx1 + g.tx2 - g.px1 - g.px2) * 0.5
    dy = (g.ty1 + g.ty2 - g.py1 - g.py2) * 0.5
    w2 = dx * dx + dy * dy + ((g.pw - g.tw) ** 2 + (g.ph - g.th) ** 2) / 4
    # eps squared: an exact match stays within eps / C of V = 1
    return torch.exp(-torch.sqrt(w2 + eps * eps) / constant)


def inner_iou(g, ratio: float, eps: float) -> Tensor:
    """IoU of the auxiliary boxes: same centres, sizes times ``ratio``."""
    pcx, pcy = (g.px1 + g.px2) * 0.5, (g.py1 + g.py2) * 0.5
    tcx, tcy = (g.tx1 + g.tx2) * 0.5, (g.ty1 + g.ty2) * 0.5
    pw, ph, tw, th = (s * (ratio * 0.5) for s in (g.pw, g.ph, g.tw, g.th))
    iw = (torch.min(pcx + pw, tcx + tw) - torch.max(pcx - pw,
                                                    tcx - tw)).clamp(min=0)
    ih = (torch.min(pcy + ph, tcy + th) - torch.max(pcy - ph,
                                                    tcy - th)).clamp(min=0)
    inter = iw * ih
    return inter / (4 * pw * ph + 4 * tw * th - inter + eps)


def focaler(iou: Tensor, interval: Tuple[float, float]) -> Tensor:
    d, u = interval
    return ((iou - d) / (u - d)).clamp(min=0, max=1)


def piou_gap(g, eps: float) -> Tensor:
    """PIoU's ``P``: the mean edge gap, relative to the target's size."""
    dw = ((g.px1 - g.tx1).abs() + (g.px2 - g.tx2).abs()) / (g.tw + eps)
    dh = ((g.py1 - g.ty1).abs() + (g.py2 - g.ty2).abs()) / (g.th + eps)
    return (dw + dh) / 4


def piou_penalties(g, eps: float) -> Tuple[Tensor, ...]:
    return (1 - torch.exp(-piou_gap(g, eps) ** 2), )


def piou_v2_focusing(g, lam: float, eps: float) -> Tensor:
    """PIoU v2's non-monotonic focusing ``u(x) = 3 x exp(-x^2)``,
    ``x = lam * exp(-P)``: at most ``3 / sqrt(2e) = 1.287`` (at
    ``x = 1/sqrt(2)``), 0 for ``P`` -> inf.  Not detached, as in the
    authors' code."""
    x = lam * torch.exp(-piou_gap(g, eps))
    return 3 * x * torch.exp(-x * x)


def _iou_to_target(x1, y1, x2, y2, g, eps: float) -> Tensor:
    iw = (torch.min(x2, g.tx2) - torch.max(x1, g.tx1)).clamp(min=0)
    ih = (torch.min(y2, g.ty2) - torch.max(y1, g.ty1)).clamp(min=0)
    inter = iw * ih
    area = (x2 - x1).clamp(min=0) * (y2 - y1).clamp(min=0)
    return inter / (area + g.tw * g.th - inter + eps)


def interp_penalties(g, alpha, iou: Tensor, eps: float) -> Tuple[Tensor, ...]:
    """``1 - IoU(B_a, B_g)``, ``B_a = (1 - a) B + a B_g`` (module doc)."""
    if alpha == 'dynamic':
        low, high = INTERP_DYNAMIC_BOUNDS
        alpha = (1 - iou.detach()).clamp(min=low, max=high)
    mix = lambda p, t: (1 - alpha) * p + alpha * t  # noqa: E731
    return (1 - _iou_to_target(mix(g.px1, g.tx1), mix(g.py1, g.ty1),
                               mix(g.px2, g.tx2), mix(g.py2, g.ty2), g,
                               eps), )
