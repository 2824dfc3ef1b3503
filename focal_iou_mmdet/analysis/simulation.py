"""The DIoU paper's bounding-box regression simulation, with our losses.

Protocol (Zheng et al., AAAI 2020; the authors' headline figure uses it):

- anchor centres: ``points`` (5,000) uniform in a disc of radius 3 around
  (10, 10): ``radius = 3 * sqrt(U)``, ``angle = 2 * pi * U``;
- targets: 7 boxes centred at (10, 10), area 1, aspect ratios w:h = 1:4, 1:3,
  1:2, 1:1, 2:1, 3:1, 4:1;
- at every point 7 anchor areas (0.5, 0.67, 0.75, 1, 1.33, 1.5, 2 x the
  target area) x the same 7 aspect ratios, each regressed to each target:
  5,000 x 7 x 7 x 7 = 1,715,000 cases;
- ``iters`` (200) steps of gradient descent on each box (x, y, w, h):
  ``box <- box - lr * (2 - IoU) * dL/dbox``, IoU the plain IoU of the current
  box, lr = 0.1 for iterations 1-160, 0.01 for 161-180, 0.001 after;
- ``error(k) = sum |x - x*| + |y - y*| + |w - w*| + |h - h*|`` after step k.

Two gradient modes:

- ``'paper'`` (the default): the DIoU authors' hand-written gradient rules
  (:mod:`.paper_gradients`), the box moved up the similarity ``V``'s
  gradient, ``box += lr * (2 - IoU) * m * dV`` with ``m = 1`` for the plain
  losses and the focal loss's multiplier for the focal ones
  (:func:`~.paper_gradients.focal_multiplier`, reading ``'full'`` or
  ``'weight'``).  This reproduces the published curves.
- ``'autograd'``: the exact gradient of the shipped loss modules (focal
  factor included), ``box -= lr * (2 - IoU) * dL/dbox``.
"""
import math
import time
from typing import Dict, List, Optional, Sequence

import torch

from ..models.losses import FocalIoULoss, iou_terms
from ..models.losses.focal_iou_loss import REFERENCE_SCALE
from .paper_gradients import (PAPER_VARIANTS, focal_multiplier,
                              paper_direction)

TARGET_RATIOS = (1 / 4, 1 / 3, 1 / 2, 1.0, 2.0, 3.0, 4.0)
ANCHOR_AREAS = (0.5, 0.67, 0.75, 1.0, 1.33, 1.5, 2.0)

#: Loss name -> FocalIoULoss arguments (the authors' focal constants).
SIM_LOSSES = {
    'iou': dict(iou_variant='iou', gamma=0.0, scale=1.0),
    'giou': dict(iou_variant='giou', gamma=0.0, scale=1.0),
    'diou': dict(iou_variant='diou', gamma=0.0, scale=1.0),
    'ciou': dict(iou_variant='ciou', gamma=0.0, scale=1.0),
    'eiou': dict(iou_variant='eiou', gamma=0.0, scale=1.0),
    'siou': dict(iou_variant='siou', gamma=0.0, scale=1.0),
    'focal-iou': dict(iou_variant='iou'),
    'focal-giou': dict(iou_variant='giou'),
    'focal-diou': dict(iou_variant='diou'),
    'focal-ciou': dict(iou_variant='ciou'),
    'focal-eiou': dict(iou_variant='eiou', formula='focal_eiou'),
}
DEFAULT_LOSSES = ('iou', 'giou', 'diou', 'ciou', 'focal-iou', 'focal-diou',
                  'focal-ciou')


def learning_rate(k: int) -> float:
    """Step size of iteration ``k`` (1-based)."""
    return 0.1 if k <= 160 else (0.01 if k <= 180 else 0.001)


def make_cases(points: int = 5000, seed: int = 0,
               dtype: torch.dtype = torch.float32):
    """``(anchors, targets, centres)``: anchors/targets as (N, 4) cxcywh."""
    g = torch.Generator().manual_seed(seed)
    radius = 3 * torch.sqrt(torch.rand(points, generator=g,
                                       dtype=torch.float64))
    angle = 2 * math.pi * torch.rand(points, generator=g,
                                     dtype=torch.float64)
    centres = torch.stack([10 + radius * torch.cos(angle),
                           10 + radius * torch.sin(angle)], -1)
    ratios = torch.tensor(TARGET_RATIOS, dtype=torch.float64)
    areas = torch.tensor(ANCHOR_AREAS, dtype=torch.float64)
    tw, th = torch.sqrt(ratios), 1 / torch.sqrt(ratios)  # area 1
    # anchor shapes: (area, ratio) -> w, h
    aw = torch.sqrt(areas[:, None] * ratios[None, :]).reshape(-1)
    ah = torch.sqrt(areas[:, None] / ratios[None, :]).reshape(-1)
    # cases: point x anchor shape (49) x target (7)
    p = centres[:, None, None, :].expand(points, 49, 7, 2)
    anchors = torch.cat([
        p,
        aw[None, :, None, None].expand(points, 49, 7, 1),
        ah[None, :, None, None].expand(points, 49, 7, 1)
    ], -1).reshape(-1, 4)
    targets = torch.cat([
        torch.full((points, 49, 7, 2), 10.0, dtype=torch.float64),
        tw[None, None, :, None].expand(points, 49, 7, 1),
        th[None, None, :, None].expand(points, 49, 7, 1)
    ], -1).reshape(-1, 4)
    return anchors.to(dtype), targets.to(dtype), centres


def cxcywh_to_xyxy(b: torch.Tensor) -> torch.Tensor:
    half = b[:, 2:] / 2
    return torch.cat([b[:, :2] - half, b[:, :2] + half], -1)


def _step(loss_fn, box, target_xyxy, targets, lr):
    """One gradient step on the boxes (cx, cy, w, h): the loss gradient
    (autograd, through ``torch.func.grad``) scaled by ``lr * (2 - IoU)``;
    returns the new boxes and their total error."""
    def loss_and_iou(b):
        pred = cxcywh_to_xyxy(b)
        loss = loss_fn.per_box_loss(pred, target_xyxy).sum()
        return loss, iou_terms(pred.detach(), target_xyxy, 'iou').iou

    grad, iou = torch.func.grad(loss_and_iou, has_aux=True)(box)
    box = box - lr * (2 - iou)[:, None] * grad
    return box, (box - targets).abs().sum(dtype=torch.float64)


def _paper_step(box, targets, lr, variant: str, focal: bool,
                reading: str):
    """One step of the authors' protocol on boxes given as components
    (x, y, w, h): up the hand-written gradient of ``V``, scaled by
    ``lr * (2 - IoU)`` and, for a focal loss, by its multiplier; returns the
    new boxes and their total error."""
    grad, iou, value = paper_direction(box, targets, variant)
    scale = lr * (2 - iou)
    if focal:
        scale = scale * focal_multiplier(value, variant,
                                         REFERENCE_SCALE[variant],
                                         reading=reading)
    box = tuple(b + scale * d for b, d in zip(box, grad))
    error = sum((b - t).abs() for b, t in zip(box, targets))
    return box, error.sum(dtype=torch.float64)


def simulate_paper(loss_name: str, anchors: torch.Tensor,
                   targets: torch.Tensor, iters: int = 200,
                   compile: bool = False, reading: str = 'full'):
    """``(errors, boxes)``: the total error after each step 0..iters under
    the authors' gradient rules (``loss_name``: a plain or focal
    IoU/GIoU/DIoU/CIoU) and the final boxes.  The boxes are stepped as four
    contiguous component tensors: the compiled step then runs as one
    vectorised loop over the cases."""
    focal = loss_name.startswith('focal-')
    variant = loss_name[len('focal-'):] if focal else loss_name
    if variant not in PAPER_VARIANTS:
        raise ValueError(f'--gradients paper covers {PAPER_VARIANTS} and '
                         f'their focal versions, not {loss_name!r}')
    step = _paper_step
    if compile:
        torch._dynamo.reset()
        step = torch.compile(_paper_step)
    box = tuple(c.contiguous() for c in anchors.unbind(-1))
    goal = tuple(c.contiguous() for c in targets.unbind(-1))
    errors = [float((anchors - targets).abs().sum(dtype=torch.float64))]
    for k in range(1, iters + 1):
        lr = torch.tensor(learning_rate(k), dtype=anchors.dtype)
        box, err = step(box, goal, lr, variant, focal, reading)
        errors.append(float(err))
    return errors, torch.stack(box, -1)


def simulate(loss_name: str, anchors: torch.Tensor, targets: torch.Tensor,
             iters: int = 200, compile: bool = False):
    """``(errors, boxes)``: the total error after each step 0..iters (index
    0: before any step), autograd through the loss module, and the final
    boxes.

    ``compile``: run the step through ``torch.compile``, which fuses the
    loss, the gradient autograd derives from it and the update into a few
    kernels.  Same ops, so the same curves up to float rounding."""
    loss_fn = FocalIoULoss(reduction='sum', **SIM_LOSSES[loss_name])
    step = _step
    if compile:
        torch._dynamo.reset()  # one loss at a time: no recompile limit
        step = torch.compile(_step)
    box = anchors.clone()
    target_xyxy = cxcywh_to_xyxy(targets)
    errors = [float((box - targets).abs().sum(dtype=torch.float64))]
    for k in range(1, iters + 1):
        lr = torch.tensor(learning_rate(k), dtype=box.dtype)
        box, err = step(loss_fn, box, target_xyxy, targets, lr)
        errors.append(float(err))
    return errors, box


def run_simulation(losses: Sequence[str] = DEFAULT_LOSSES, points: int = 5000,
                   iters: int = 200, seed: int = 0,
                   dtype: torch.dtype = torch.float32,
                   progress: bool = True,
                   compile: Optional[bool] = None,
                   gradients: str = 'paper',
                   reading: str = 'full') -> Dict[str, dict]:
    """``{loss: dict(errors=[...], per_point=tensor, seconds=s)}`` over the
    same cases; ``per_point``: the final error summed over the 343 cases of
    each anchor centre (the DIoU paper's per-anchor view).
    ``compile`` None: compile when there are 100,000 cases or more (below
    that, compiling costs more than it saves).  ``gradients``: 'paper' or
    'autograd' (module doc); ``reading``: the focal multiplier of the paper
    mode ('full' or 'weight')."""
    if gradients not in ('paper', 'autograd'):
        raise ValueError(f"gradients must be 'paper' or 'autograd', got "
                         f'{gradients!r}')
    unknown = [n for n in losses if n not in SIM_LOSSES]
    if unknown:
        raise ValueError(f'unknown loss {unknown}; choose from '
                         f'{sorted(SIM_LOSSES)}')
    anchors, targets, _ = make_cases(points, seed, dtype)
    if compile is None:
        compile = len(anchors) >= 100_000
    out = {}
    for i, name in enumerate(losses, 1):
        start = time.perf_counter()
        if gradients == 'paper':
            errors, box = simulate_paper(name, anchors, targets, iters,
                                         compile, reading)
        else:
            errors, box = simulate(name, anchors, targets, iters, compile)
        per_point = (box - targets).abs().sum(-1, dtype=torch.float64)
        out[name] = dict(errors=errors, seconds=time.perf_counter() - start,
                         per_point=per_point.reshape(points, -1).sum(-1))
        if progress:
            print(f'[{i}/{len(losses)}] {name:<11} error {errors[0]:.3e} -> '
                  f'{errors[-1]:.3e} in {out[name]["seconds"]:.1f} s'
                  + (' (compiled)' if compile else ''), flush=True)
    return out


def first_below(errors: List[float], fraction: float = 0.1):
    """First iteration whose error is below ``fraction`` of the start."""
    for k, e in enumerate(errors):
        if e < fraction * errors[0]:
            return k
    return None
