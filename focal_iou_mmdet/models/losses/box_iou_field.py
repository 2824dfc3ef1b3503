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
from typing import NamedTuple, Optional, Tuple

import torch
from torch import Tensor


class VariantOptions(NamedTuple):
    """Arguments of the field's variants and of the modifiers."""
    mpdiou_size: Optional[Tuple[float, float]] = None
    shape_scale: float = 0.0
    nwd_constant: float = 12.8
    inner_ratio: Optional[float] = None
    focaler_interval: Optional[Tuple[float, float]] = None


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
