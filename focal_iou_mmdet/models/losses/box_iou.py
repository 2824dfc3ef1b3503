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

Every fact about a variant -- its penalty function, its clamp, the lower
bound of its confidence mapping, the authors' focal scale and which
arguments and modifiers it takes -- is one :class:`IoUVariant` record in
:data:`VARIANTS`; adding a variant is adding one record.
"""
import math
from dataclasses import dataclass
from typing import Callable, Dict, NamedTuple, Optional, Tuple

import torch
from torch import Tensor

from .box_iou_field import (VariantOptions, focaler, inner_iou,
                            interp_penalties, mpdiou_penalties, nwd_value,
                            piou_penalties, shapeiou_penalties)


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

    def enclosing(self) -> Tuple[Tensor, Tensor]:
        """Width and height of the smallest enclosing box."""
        cw = (torch.max(self.px2, self.tx2) -
              torch.min(self.px1, self.tx1)).clamp(min=0)
        ch = (torch.max(self.py2, self.ty2) -
              torch.min(self.py1, self.ty1)).clamp(min=0)
        return cw, ch

    def centre_offset(self) -> Tuple[Tensor, Tensor]:
        """Target centre minus predicted centre."""
        return ((self.tx1 + self.tx2 - self.px1 - self.px2) * 0.5,
                (self.ty1 + self.ty2 - self.py1 - self.py2) * 0.5)


def geometry(pred: Tensor, target: Tensor) -> _Geometry:
    """Corners and clamped sizes of aligned boxes (for the focusing
    factors that read the boxes, e.g. PIoU v2's)."""
    return _Geometry.of(pred, target)


class _Pair(NamedTuple):
    """What a penalty function gets: the boxes and the plain overlap."""
    g: _Geometry
    iou: Tensor
    union: Tensor
    eps: float
    ciou_gate: Optional[float]
    options: VariantOptions


@dataclass(frozen=True)
class IoUVariant:
    """One IoU variant, all its facts (module doc).

    ``penalties(pair)`` gives the terms subtracted from the IoU term;
    ``similarity(pair)``, where given, replaces the IoU term (NWD, which
    has none, so the Inner/Focaler modifiers do not apply).  ``clamp``
    bounds V (None: already bounded); ``confidence_low`` is the low end of
    the focal mapping ``c = (V - low) / (1 - low)``; ``reference_scale``
    the focal_iou formula's default ``s``; ``options`` the
    :class:`~.box_iou_field.VariantOptions` fields it reads."""
    name: str
    penalties: Callable[[_Pair], Tuple[Tensor, ...]]
    confidence_low: float
    clamp: Optional[Tuple[float, float]]
    reference_scale: float
    options: Tuple[str, ...] = ()
    similarity: Optional[Callable[[_Pair], Tensor]] = None

    @property
    def modifiers(self) -> Tuple[str, ...]:
        """The IoU-term modifiers it takes (none without an IoU term)."""
        return () if self.similarity else ('inner_ratio', 'focaler_interval')


def _no_penalty(pair: _Pair) -> Tuple[Tensor, ...]:
    return ()


def _giou(pair: _Pair) -> Tuple[Tensor, ...]:
    cw, ch = pair.g.enclosing()
    enclose = cw * ch
    return ((enclose - pair.union) / (enclose + pair.eps), )


def _centre_distance(pair: _Pair) -> Tensor:
    cw, ch = pair.g.enclosing()
    dx, dy = pair.g.centre_offset()
    return (dx * dx + dy * dy) / (cw * cw + ch * ch + pair.eps)


def _diou(pair: _Pair) -> Tuple[Tensor, ...]:
    return (_centre_distance(pair), )


def _ciou(pair: _Pair) -> Tuple[Tensor, ...]:
    g, eps = pair.g, pair.eps
    # atan(a) - atan(b) as one atan((a - b) / (1 + ab)): exact for a, b >= 0
    # (aspect ratios), and half the atan work
    a, b = g.tw / (g.th + eps), g.pw / (g.ph + eps)
    v = (4 / math.pi**2) * torch.pow(torch.atan((a - b) / (1 + a * b)), 2)
    with torch.no_grad():
        alpha = v / (1 - pair.iou + v + eps)
        if pair.ciou_gate is not None:
            alpha = alpha * (pair.iou > pair.ciou_gate).to(alpha.dtype)
    return (_centre_distance(pair), alpha * v)


def _eiou(pair: _Pair) -> Tuple[Tensor, ...]:
    g, eps = pair.g, pair.eps
    cw, ch = g.enclosing()
    return (_centre_distance(pair), (g.pw - g.tw)**2 / (cw * cw + eps),
            (g.ph - g.th)**2 / (ch * ch + eps))


def _siou(pair: _Pair) -> Tuple[Tensor, ...]:
    g, eps = pair.g, pair.eps
    cw, ch = g.enclosing()
    dx, dy = g.centre_offset()
    # angle cost: 1 - 2 sin^2(arcsin(x) - pi/4) = sin(2 arcsin x)
    #           = 2 |dx| |dy| / (dx^2 + dy^2), whichever axis is nearer.
    angle = 2 * dx.abs() * dy.abs() / (dx * dx + dy * dy + eps)
    gamma = 2 - angle
    rho_x, rho_y = (dx / (cw + eps))**2, (dy / (ch + eps))**2
    distance = 2 - torch.exp(-gamma * rho_x) - torch.exp(-gamma * rho_y)
    omega_w = (g.pw - g.tw).abs() / (torch.max(g.pw, g.tw) + eps)
    omega_h = (g.ph - g.th).abs() / (torch.max(g.ph, g.th) + eps)
    shape = (1 - torch.exp(-omega_w))**4 + (1 - torch.exp(-omega_h))**4
    return (0.5 * (distance + shape), )


# confidence_low: one unit per penalty term that can reach 1; this is the
# authors' mapping for IoU (c = IoU), DIoU ((V + 1) / 2) and CIoU
# ((V + 2) / 3, two terms although V is clamped to [-1, 1]).
# reference_scale: the authors' 2.477 (IoU), 3.088 (DIoU), 3.3 (CIoU); the
# others take the constant of the variant with the same mapping, EIoU the
# same rule at V0 = 0.717 (focal_iou_loss's module doc).
VARIANTS: Dict[str, IoUVariant] = {v.name: v for v in (
    IoUVariant('iou', _no_penalty, 0.0, (0.0, 1.0), 2.477),
    IoUVariant('giou', _giou, -1.0, None, 3.088),
    IoUVariant('diou', _diou, -1.0, (-1.0, 1.0), 3.088),
    IoUVariant('ciou', _ciou, -2.0, (-1.0, 1.0), 3.3),
    IoUVariant('eiou', _eiou, -3.0, None, 3.49),
    IoUVariant('siou', _siou, -2.0, (-1.0, 1.0), 3.3),
    IoUVariant('mpdiou', lambda p: mpdiou_penalties(
        p.g, p.options.mpdiou_size, p.eps), -2.0, (-2.0, 1.0), 3.3,
        options=('mpdiou_size', )),
    IoUVariant('shapeiou', lambda p: shapeiou_penalties(
        p.g, p.options.shape_scale, p.eps), -2.0, (-2.0, 1.0), 3.3,
        options=('shape_scale', )),
    IoUVariant('piou', lambda p: piou_penalties(p.g, p.eps), -1.0,
               (-1.0, 1.0), 3.088),
    IoUVariant('interpiou', lambda p: interp_penalties(
        p.g, p.options.interp_alpha, p.iou, p.eps), -1.0, (-1.0, 1.0),
        3.088, options=('interp_alpha', )),
    IoUVariant('nwd', _no_penalty, 0.0, None, 2.477,
               options=('nwd_constant', ),
               similarity=lambda p: nwd_value(p.g, p.options.nwd_constant,
                                              p.eps)),
)}
IOU_VARIANTS = tuple(VARIANTS)
#: views of the records, by variant
CONFIDENCE_LOW = {n: v.confidence_low for n, v in VARIANTS.items()}
REFERENCE_SCALE = {n: v.reference_scale for n, v in VARIANTS.items()}


class IoUTerms(NamedTuple):
    """``V = iou - sum(penalties)``, before any clamp."""
    iou: Tensor
    penalties: Tuple[Tensor, ...]

    def value(self, variant: str) -> Tensor:
        """The variant ``V`` with the clamp the variant prescribes."""
        v = self.iou
        for p in self.penalties:
            v = v - p
        bounds = variant_record(variant).clamp
        if bounds is not None:
            v = v.clamp(min=bounds[0], max=bounds[1])
        return v


def variant_record(variant: str) -> IoUVariant:
    """The record of a built-in variant (ValueError naming the others)."""
    if variant not in VARIANTS:
        raise ValueError(
            f'iou_variant must be one of {IOU_VARIANTS} (or a registered '
            f'IoU-style loss config), got {variant!r}')
    return VARIANTS[variant]


def check_iou_variant(variant: str) -> str:
    return variant_record(variant).name


def confidence(v: Tensor, variant: str) -> Tensor:
    """Map the variant ``V`` onto [0, 1] as the authors do (module doc)."""
    low = variant_record(variant).confidence_low
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
    record = variant_record(variant)
    g = _Geometry.of(pred, target)
    if record.similarity is not None:
        return IoUTerms(record.similarity(_Pair(g, None, None, eps, ciou_gate,
                                                options)), ())
    iw = (torch.min(g.px2, g.tx2) - torch.max(g.px1, g.tx1)).clamp(min=0)
    ih = (torch.min(g.py2, g.ty2) - torch.max(g.py1, g.ty1)).clamp(min=0)
    overlap = iw * ih
    union = g.pw * g.ph + g.tw * g.th - overlap
    iou = overlap / (union + eps)
    penalties = record.penalties(_Pair(g, iou, union, eps, ciou_gate,
                                       options))
    return IoUTerms(_modified_iou(iou, g, options, eps), penalties)


def _modified_iou(iou: Tensor, g, options: VariantOptions,
                  eps: float) -> Tensor:
    """The IoU term with the Inner-IoU and Focaler-IoU modifiers."""
    if options.inner_ratio is not None:
        iou = inner_iou(g, options.inner_ratio, eps)
    if options.focaler_interval is not None:
        iou = focaler(iou, options.focaler_interval)
    return iou


def box_iou_variant(pred: Tensor,
                    target: Tensor,
                    variant: str = 'iou',
                    eps: float = 1e-6,
                    ciou_gate: Optional[float] = None) -> Tensor:
    """The variant ``V`` of aligned boxes (loss is ``1 - V``)."""
    return iou_terms(pred, target, variant, eps, ciou_gate).value(variant)
