r"""IoU variants of aligned boxes, written once for every loss in this package.

Each variant is returned as an :class:`IoUTerms` ``(iou, penalties)`` so that
``V = iou - sum(penalties)`` and the base loss is ``1 - V``.  Keeping the
terms apart lets the same numbers serve the plain losses, the Focal-IoU
family (which needs ``V``) and Alpha-IoU (which raises every term to a power).

Boxes are ``(..., 4)`` tensors in ``(x1, y1, x2, y2)`` order.  Widths and
heights are clamped at 0, so a zero-area or inverted box (``x2 < x1``) has
zero area instead of a negative one; the IoU is then 0 and every term stays
finite.  ``eps`` is added to every denominator.

Variants (``rho`` is the distance of the box centres, ``C`` the smallest
enclosing box with width ``C_w`` and height ``C_h``, ``c^2 = C_w^2 + C_h^2``):

=======  ==================================================================  ============
variant  V                                                                   range of V
=======  ==================================================================  ============
iou      IoU                                                                 [0, 1]
giou     IoU - |C \ (A u B)| / |C|            (Rezatofighi et al., CVPR 2019) (-1, 1]
diou     IoU - rho^2 / c^2                    (Zheng et al., AAAI 2020)       (-1, 1]
ciou     IoU - rho^2 / c^2 - alpha * v,  v = 4/pi^2 (atan(w_t/h_t) - atan(w/h))^2,
         alpha = v / (1 - IoU + v), detached  (Zheng et al., AAAI 2020)       [-1, 1] (clamped)
eiou     IoU - rho^2 / c^2 - (w - w_t)^2 / C_w^2 - (h - h_t)^2 / C_h^2
         (Efficient-IoU, Zhang et al., arXiv 2101.08158)                     (-3, 1]
siou     IoU - (Delta + Omega) / 2            (Gevorgyan, arXiv 2205.12740)   [-1, 1] (clamped)
=======  ==================================================================  ============

CIoU's ``alpha`` follows the authors' code and torchvision (no gate).  mmdet's
``CIoULoss`` multiplies it by ``[IoU > 0.5]``; pass ``ciou_gate=0.5`` for that
form.  SIoU follows the paper: angle cost ``Lambda = sin(2 * a)`` with ``a``
the angle between the centre offset and the nearer axis, distance cost
``Delta = sum_t (1 - exp(-(2 - Lambda) * rho_t))`` with
``rho_x = (dx / C_w)^2``, ``rho_y = (dy / C_h)^2``, shape cost
``Omega = sum_t (1 - exp(-omega_t))^4``, ``omega_w = |w - w_t| / max(w, w_t)``.
(This is mmdet's ``SIoULoss(neg_gamma=True)``.)  CIoU and SIoU are clamped to
[-1, 1] as in the authors' code and in mmdet.
"""
import math
from typing import NamedTuple, Optional, Tuple

import torch
from torch import Tensor

from .box_iou_field import (VariantOptions, focaler, inner_iou,
                            mpdiou_penalties, nwd_value, shapeiou_penalties)

IOU_VARIANTS = ('iou', 'giou', 'diou', 'ciou', 'eiou', 'siou', 'mpdiou',
                'shapeiou', 'nwd')
#: variants whose V has an IoU term the modifiers can replace
IOU_TERM_VARIANTS = IOU_VARIANTS[:-1]

# Lower bound of V for each variant, as clamped here; c = (V - low) / (1 - low)
# maps V onto [0, 1].  This reproduces the authors' mappings exactly
# (IoU: c = IoU; DIoU: (V + 1) / 2; CIoU: (V + 2) / 3) and extends the same
# rule -- "one unit per penalty term that can reach 1" -- to the others.
# CIoU is clamped to [-1, 1] but, like the authors', mapped with its two penalty
# terms (low = -2), so its confidence lies in [1/3, 1].
CONFIDENCE_LOW = {
    'iou': 0.0,
    'giou': -1.0,
    'diou': -1.0,
    'ciou': -2.0,
    'eiou': -3.0,
    'siou': -2.0,
    'mpdiou': -2.0,
    'shapeiou': -2.0,
    'nwd': 0.0,
}

# Clamp applied to V (None: no clamp needed, the range is already bounded).
_V_CLAMP = {
    'iou': (0.0, 1.0),
    'giou': None,
    'diou': (-1.0, 1.0),
    'ciou': (-1.0, 1.0),
    'eiou': None,
    'siou': (-1.0, 1.0),
    'mpdiou': (-2.0, 1.0),
    'shapeiou': (-2.0, 1.0),
    'nwd': None,
}


class IoUTerms(NamedTuple):
    """``V = iou - sum(penalties)``, before any clamp."""
    iou: Tensor
    penalties: Tuple[Tensor, ...]

    def value(self, variant: str) -> Tensor:
        """The variant ``V`` with the clamp the variant prescribes."""
        v = self.iou
        for p in self.penalties:
            v = v - p
        bounds = _V_CLAMP[variant]
        if bounds is not None:
            v = v.clamp(min=bounds[0], max=bounds[1])
        return v


def check_iou_variant(variant: str) -> str:
    if variant not in IOU_VARIANTS:
        raise ValueError(
            f'iou_variant must be one of {IOU_VARIANTS} (or a registered '
            f'IoU-style loss config), got {variant!r}')
    return variant


def confidence(v: Tensor, variant: str) -> Tensor:
    """Map the variant ``V`` onto [0, 1] as the authors do (module doc)."""
    low = CONFIDENCE_LOW[check_iou_variant(variant)]
    if low == 0.0:
        return v
    return (v - low) / (1.0 - low)


def iou_terms(pred: Tensor,
              target: Tensor,
              variant: str = 'iou',
              eps: float = 1e-6,
              ciou_gate: Optional[float] = None,
              options: VariantOptions = VariantOptions()) -> IoUTerms:
    """IoU and penalty terms of aligned boxes ``pred`` and ``target``.

    Args:
        pred, target (Tensor): boxes ``(..., 4)`` in xyxy order.
        variant (str): one of :data:`IOU_VARIANTS`.
        eps (float): added to every denominator.
        ciou_gate (float, optional): if given, CIoU's ``alpha`` is zero where
            ``IoU <= ciou_gate`` (mmdet uses 0.5).  Default: no gate (the
            authors' form).
        options (VariantOptions): the arguments of MPDIoU, Shape-IoU and NWD
            and the Inner/Focaler modifiers of the IoU term
            (:mod:`.box_iou_field`).

    Returns:
        IoUTerms: ``iou`` of shape ``(...)`` and the variant's penalty terms.
    """
    check_iou_variant(variant)
    g = _Geometry.of(pred, target)
    if variant == 'nwd':
        return IoUTerms(nwd_value(g, options.nwd_constant, eps), ())
    iw = (torch.min(g.px2, g.tx2) - torch.max(g.px1, g.tx1)).clamp(min=0)
    ih = (torch.min(g.py2, g.ty2) - torch.max(g.py1, g.ty1)).clamp(min=0)
    overlap = iw * ih
    union = g.pw * g.ph + g.tw * g.th - overlap
    iou = overlap / (union + eps)
    if variant == 'iou':
        penalties = ()
    elif variant == 'mpdiou':
        penalties = mpdiou_penalties(g, options.mpdiou_size, eps)
    elif variant == 'shapeiou':
        penalties = shapeiou_penalties(g, options.shape_scale, eps)
    else:
        penalties = _penalties(variant, g, iou, union, eps, ciou_gate)
    return IoUTerms(_modified_iou(iou, g, options, eps), penalties)


def _modified_iou(iou: Tensor, g, options: VariantOptions,
                  eps: float) -> Tensor:
    """The IoU term with the Inner-IoU and Focaler-IoU modifiers."""
    if options.inner_ratio is not None:
        iou = inner_iou(g, options.inner_ratio, eps)
    if options.focaler_interval is not None:
        iou = focaler(iou, options.focaler_interval)
    return iou


class _Geometry(NamedTuple):
    """Corners (clamped sizes) of aligned predicted and target boxes."""
    px1: Tensor
    py1: Tensor
    px2: Tensor
    py2: Tensor
    tx1: Tensor
    ty1: Tensor
    tx2: Tensor
    ty2: Tensor
    pw: Tensor
    ph: Tensor
    tw: Tensor
    th: Tensor

    @classmethod
    def of(cls, pred: Tensor, target: Tensor) -> '_Geometry':
        px1, py1, px2, py2 = pred.unbind(-1)
        tx1, ty1, tx2, ty2 = target.unbind(-1)
        return cls(px1, py1, px2, py2, tx1, ty1, tx2, ty2,
                   (px2 - px1).clamp(min=0), (py2 - py1).clamp(min=0),
                   (tx2 - tx1).clamp(min=0), (ty2 - ty1).clamp(min=0))


def _penalties(variant: str, g: _Geometry, iou: Tensor, union: Tensor,
               eps: float, ciou_gate: Optional[float]) -> Tuple[Tensor, ...]:
    """The penalty terms of every variant but plain IoU."""
    # smallest enclosing box
    cw = (torch.max(g.px2, g.tx2) - torch.min(g.px1, g.tx1)).clamp(min=0)
    ch = (torch.max(g.py2, g.ty2) - torch.min(g.py1, g.ty1)).clamp(min=0)
    if variant == 'giou':
        enclose = cw * ch
        return ((enclose - union) / (enclose + eps), )
    # centre offset (target minus pred)
    dx = (g.tx1 + g.tx2 - g.px1 - g.px2) * 0.5
    dy = (g.ty1 + g.ty2 - g.py1 - g.py2) * 0.5
    if variant == 'siou':
        return _siou_penalty(dx, dy, cw, ch, g.pw, g.ph, g.tw, g.th, eps)
    c2 = cw * cw + ch * ch + eps
    dist = (dx * dx + dy * dy) / c2
    if variant == 'diou':
        return (dist, )
    if variant == 'ciou':
        # atan(a) - atan(b) as one atan((a - b) / (1 + ab)): exact for
        # a, b >= 0 (aspect ratios), and half the atan work
        a, b = g.tw / (g.th + eps), g.pw / (g.ph + eps)
        v = (4 / math.pi**2) * torch.pow(torch.atan((a - b) / (1 + a * b)), 2)
        with torch.no_grad():
            alpha = v / (1 - iou + v + eps)
            if ciou_gate is not None:
                alpha = alpha * (iou > ciou_gate).to(alpha.dtype)
        return (dist, alpha * v)
    # eiou
    dw = (g.pw - g.tw)**2 / (cw * cw + eps)
    dh = (g.ph - g.th)**2 / (ch * ch + eps)
    return (dist, dw, dh)


def _siou_penalty(dx, dy, cw, ch, pw, ph, tw, th, eps):
    # angle cost: 1 - 2 sin^2(arcsin(x) - pi/4) = sin(2 arcsin x)
    #           = 2 |dx| |dy| / (dx^2 + dy^2), whichever axis is nearer.
    sigma2 = dx * dx + dy * dy + eps
    angle = 2 * dx.abs() * dy.abs() / sigma2
    gamma = 2 - angle
    rho_x = (dx / (cw + eps))**2
    rho_y = (dy / (ch + eps))**2
    distance = 2 - torch.exp(-gamma * rho_x) - torch.exp(-gamma * rho_y)
    omega_w = (pw - tw).abs() / (torch.max(pw, tw) + eps)
    omega_h = (ph - th).abs() / (torch.max(ph, th) + eps)
    shape = (1 - torch.exp(-omega_w))**4 + (1 - torch.exp(-omega_h))**4
    return (0.5 * (distance + shape), )


def box_iou_variant(pred: Tensor,
                    target: Tensor,
                    variant: str = 'iou',
                    eps: float = 1e-6,
                    ciou_gate: Optional[float] = None) -> Tensor:
    """The variant ``V`` of aligned boxes (loss is ``1 - V``)."""
    return iou_terms(pred, target, variant, eps, ciou_gate).value(variant)
