"""The DIoU authors' hand-written simulation gradients, vectorised.

Zheng et al. (AAAI 2020) made their regression-simulation curves with
MATLAB code that writes each gradient by hand (Zzh-tju/DIoU, folder
``simulation experiment/``).  Those rules differ from the exact gradient
autograd takes through a loss, and the published curves follow the rules.
This module implements the rules as they are written there (our own code,
over all cases at once):

- boxes are ``(x, y, w, h)``; sides ``t = y - h/2``, ``b = y + h/2``,
  ``l = x - w/2``, ``r = x + w/2``;
- the IoU gradient is taken per side from the intersection's and the
  union's per-side derivatives (an intersection side moves only where the
  prediction's side is the binding one), is zero when the boxes do not
  overlap, and maps to ``(x, y, w, h)`` as ``dx = dl + dr``,
  ``dy = dt + db``, ``dw = dr - dl``, ``dh = db - dt`` (no halves);
- GIoU adds the gradient of ``U / C`` (``C`` the enclosing box's area)
  written per side; where the boxes do not overlap it is that term alone;
- DIoU and CIoU add a hand-derived gradient of ``-rho^2 / c^2`` in
  ``(x, y, w, h)``, with per-side rules for the enclosing box (as written
  there, including its special cases); CIoU adds ``alpha * dv`` with
  ``alpha = v / (1 - IoU + v + 1e-7)``, ``dv/dw = (8/pi^2) (atan(w*/h*) -
  atan(w/h)) h`` and ``dv/dh = -(8/pi^2) (...) w``;
- every step moves the box *up* the gradient of the similarity ``V``:
  ``box += lr * (2 - IoU) * grad``.

:func:`paper_direction` returns ``grad`` and ``IoU`` for a batch of
boxes given as four component tensors;
:func:`focal_multiplier` the scalar a focal loss puts on that step.
"""
import functools
import math
from typing import Dict, Tuple

import torch
from torch import Tensor

PAPER_VARIANTS = ('iou', 'giou', 'diou', 'ciou')
#: A batch of boxes as four same-shaped tensors ``(x, y, w, h)``: each one
#: contiguous, so a compiled step reads and writes them as plain vectors.
Components = Tuple[Tensor, Tensor, Tensor, Tensor]


def _sides(box: Components) -> Components:
    x, y, w, h = box
    return y - h / 2, y + h / 2, x - w / 2, x + w / 2


def _iou_parts(p, g) -> Dict[str, Tensor]:
    """IoU, its per-side gradient (dIOU.m) and the parts GIoU reuses."""
    pt, pb, pl, pr = p
    gt, gb, gl, gr = g
    it, ib = torch.maximum(pt, gt), torch.minimum(pb, gb)
    il, ir = torch.maximum(pl, gl), torch.minimum(pr, gr)
    iw, ih = ir - il, ib - it
    inter = ih * iw
    union = (pb - pt) * (pr - pl) + (gb - gt) * (gr - gl) - inter
    zero = torch.zeros_like(pt)
    d_inter = dict(t=torch.where(pt > gt, -iw, zero),
                   b=torch.where(pb < gb, iw, zero),
                   l=torch.where(pl > gl, -ih, zero),
                   r=torch.where(pr < gr, ih, zero))
    d_area = dict(t=-(pr - pl), b=pr - pl, l=-(pb - pt), r=pb - pt)
    d_union = {k: d_area[k] - d_inter[k] for k in 'tblr'}
    overlap = (it < ib) & (il < ir)
    valid = overlap & (union > 0)
    safe_u = torch.where(valid, union, torch.ones_like(union))
    grad = {k: torch.where(valid, (union * d_inter[k] - inter * d_union[k])
                           / safe_u**2, zero) for k in 'tblr'}
    # an inverted prediction takes its other side's value for both
    # (what the authors' swap does)
    grad['t'] = torch.where(pt < pb, grad['t'], grad['b'])
    grad['l'] = torch.where(pl < pr, grad['l'], grad['r'])
    iou = torch.where(overlap, inter / torch.where(overlap, union,
                                                    torch.ones_like(union)),
                      zero)
    return dict(iou=iou, grad=grad, inter=inter, union=union,
                d_union=d_union, overlap=overlap)


def _to_xywh(s: Dict[str, Tensor]) -> Components:
    return s['l'] + s['r'], s['t'] + s['b'], s['r'] - s['l'], s['b'] - s['t']


def _enclosing(p, g):
    pt, pb, pl, pr = p
    gt, gb, gl, gr = g
    return (torch.minimum(pt, gt), torch.maximum(pb, gb),
            torch.minimum(pl, gl), torch.maximum(pr, gr))


def _giou_grad(p, g, parts) -> Components:
    """dGIOU.m: the IoU gradient where the boxes overlap, plus the
    gradient of U / C written per side."""
    pt, pb, pl, pr = p
    gt, gb, gl, gr = g
    ct, cb, cl, cr = _enclosing(p, g)
    cw, ch = cr - cl, cb - ct
    area = ch * cw
    zero = torch.zeros_like(pt)
    d_c = dict(t=torch.where(pt < gt, -cw, zero),
               b=torch.where(pb > gb, cw, zero),
               l=torch.where(pl < gl, -ch, zero),
               r=torch.where(pr > gr, ch, zero))
    union, d_union = parts['union'], parts['d_union']
    term = {k: (area * d_union[k] - union * d_c[k]) / area**2
            for k in 'tblr'}
    out = {}
    for k in 'tblr':
        with_iou = parts['grad'][k] + torch.where(area > 0, term[k], zero)
        out[k] = torch.where(parts['overlap'], with_iou, term[k])
    return _to_xywh(out)


def _distance_grad(box: Components, gt_box: Components, p, g
                   ) -> Tuple[Components, Tensor, Tensor]:
    """dDIOU.m's gradient of -rho^2/c^2 in (x, y, w, h), with rho^2 and
    c^2 (for V)."""
    pt, pb, pl, pr = p
    gt, gb, gl, gr = g
    ct, cb, cl, cr = _enclosing(p, g)
    ccw, cch = cr - cl, cb - ct
    c2 = cch * cch + ccw * ccw
    one, zero = torch.ones_like(pt), torch.zeros_like(pt)
    top, bottom = pt < gt, pb > gb
    left, right = pl < gl, pr > gr
    # per-side derivatives of the enclosing box, as the authors wrote them
    w_dx = torch.where(right, one, zero) - torch.where(left, one, zero)
    w_dy = torch.where(bottom, one, zero) - torch.where(top, one, zero)
    w_dw = torch.where(right, 0.5 * one, zero) - torch.where(left, -0.5 * one,
                                                             zero)
    w_dh = torch.where(bottom, 0.5 * one, zero) - torch.where(
        top, -0.5 * one, zero)
    h_dx, h_dy, h_dw, h_dh = w_dx, w_dy, w_dw, w_dh
    w_dw = torch.where(left & right, -one, w_dw)
    h_dh = torch.where(top & bottom, -one, h_dh)
    x, y = box[0], box[1]
    xg, yg = gt_box[0], gt_box[1]
    rho2 = (x - xg)**2 + (y - yg)**2
    den = c2 * c2
    dx = (2 * (xg - x) * c2 - (2 * ccw * w_dx + 2 * cch * h_dx) * rho2) / den
    dy = (2 * (yg - y) * c2 - (2 * ccw * w_dy + 2 * cch * h_dy) * rho2) / den
    dw = (2 * ccw * w_dw + 2 * cch * h_dw) * rho2 / den
    dh = (2 * ccw * w_dh + 2 * cch * h_dh) * rho2 / den
    return (dx, dy, dw, dh), rho2, c2


def paper_direction(box: Components, gt_box: Components, variant: str
                    ) -> Tuple[Components, Tensor, Tensor]:
    """``(grad, iou, value)``: the authors' gradient of the similarity
    ``V`` (``variant``) at ``box`` (four component tensors x, y, w, h), the
    plain IoU the step is scaled with, and ``V`` itself (the focal factor's
    input)."""
    if variant not in PAPER_VARIANTS:
        raise ValueError(f'paper gradients exist for {PAPER_VARIANTS}, '
                         f'not {variant!r}')
    p, g = _sides(box), _sides(gt_box)
    parts = _iou_parts(p, g)
    iou = parts['iou']
    if variant == 'iou':
        return _to_xywh(parts['grad']), iou, iou
    if variant == 'giou':
        ct, cb, cl, cr = _enclosing(p, g)
        area = (cb - ct) * (cr - cl)
        value = iou - (area - parts['union']) / area
        return _giou_grad(p, g, parts), iou, value
    grad, rho2, c2 = _distance_grad(box, gt_box, p, g)
    grad = tuple(d + i for d, i in zip(grad, _to_xywh(parts['grad'])))
    value = iou - rho2 / c2
    if variant == 'ciou':
        w, h = box[2], box[3]
        wg, hg = gt_box[2], gt_box[3]
        diff = torch.atan(wg / hg) - torch.atan(w / h)
        v = 4 / math.pi**2 * diff * diff
        alpha = v / (1 - iou + v + 1e-7)
        grad = (grad[0], grad[1],
                grad[2] + alpha * (8 / math.pi**2 * diff * h),
                grad[3] - alpha * (8 / math.pi**2 * diff * w))
        value = value - alpha * v
    return grad, iou, value


def focal_multiplier(value: Tensor, variant: str, scale: float,
                     confidence_weight: float = 0.5, gamma: float = 2.0,
                     reading: str = 'full') -> Tensor:
    """The scalar a focal loss puts on the step up ``V``'s gradient,
    ``-dL/dV``, taken by autograd through the loss's own formula
    (:meth:`...models.losses.FocalIoULoss.loss_of_value`, so a change of
    the formula reaches the simulation):

    - ``'full'``, reading (a): the chain rule, the focal factor's own
      derivative included (the authors' training code does not detach the
      factor);
    - ``'weight'``, reading (b): the factor as a constant weight
      (``detach_focal=True``), ``s (1 - a c)^g``.
    """
    if reading not in ('full', 'weight'):
        raise ValueError(f"reading must be 'full' or 'weight', got "
                         f'{reading!r}')
    loss = _focal_loss(variant, float(scale), float(confidence_weight),
                       float(gamma), reading == 'weight')
    return -torch.func.grad(lambda v: loss.loss_of_value(v).sum())(value)


@functools.lru_cache(maxsize=32)
def _focal_loss(variant, scale, confidence_weight, gamma, detach):
    from ..models.losses import FocalIoULoss
    return FocalIoULoss(iou_variant=variant, scale=scale, gamma=gamma,
                        confidence_weight=confidence_weight,
                        detach_focal=detach)
