r"""Wise-IoU's dynamic focusing (Tong, Chen, Xu & Yu, "Wise-IoU: Bounding
Box Regression Loss with Dynamic Focusing Mechanism", arXiv 2301.10051,
2023), on any IoU variant ``V``:

* v1: ``L = R (1 - V)``, ``R = exp(rho^2 / c^2*)``: rho the distance of the
  box centres, c the enclosing box's diagonal, detached (``*``);
* v2: v1 times ``(L_IoU* / mean)^0.5``;
* v3: v1 times ``r = beta / (delta alpha^(beta - delta))``,
  ``beta = L_IoU* / mean`` (``alpha = 1.9``, ``delta = 3``),

with ``L_IoU = 1 - IoU`` (the plain IoU), detached, and ``mean`` a running
mean of ``L_IoU``: initially 1, updated in training mode with each batch
*before* the loss is computed, ``mean <- (1 - m) mean + m batch_mean``.
Three things the public ports get wrong are handled here:

1. the batch mean is over the boxes with non-zero weight only (mmdet's
   heads pass every anchor, the negatives with weight 0);
2. the mean is a registered buffer: saved in checkpoints, restored on
   resume;
3. under torch.distributed the batch's sum and count are all-reduced, so
   every rank holds the same mean (a rank with no box still takes part).

The authors choose the momentum as ``m = 1 - 0.05^(1 / (n t))``: n
iterations per epoch, t the epoch at which AP stops rising fast (the mean
then forgets 95% of its start by then); their refactored code uses
``m = 0.01``, the default here.  Eval mode never updates the mean.
"""
import math
from typing import Optional

import torch
import torch.distributed as dist
from torch import Tensor

WIOU_VERSIONS = (1, 2, 3)


def distance_factor(pred: Tensor, target: Tensor, eps: float) -> Tensor:
    """``R = exp(rho^2 / c^2*)`` of aligned xyxy boxes."""
    dx = (target[..., 0] + target[..., 2] - pred[..., 0] - pred[..., 2]) / 2
    dy = (target[..., 1] + target[..., 3] - pred[..., 1] - pred[..., 3]) / 2
    cw = torch.max(pred[..., 2], target[..., 2]) - torch.min(pred[..., 0],
                                                             target[..., 0])
    ch = torch.max(pred[..., 3], target[..., 3]) - torch.min(pred[..., 1],
                                                             target[..., 1])
    c2 = (cw * cw + ch * ch).detach()
    return torch.exp((dx * dx + dy * dy) / (c2 + eps))


def focusing(l_iou: Tensor, mean: Tensor, version: int, alpha: float,
             delta: float) -> Tensor:
    """The v2/v3 multiplier of each box (1 for v1); ``l_iou`` detached."""
    if version == 1:
        return torch.ones_like(l_iou)
    beta = l_iou / mean
    if version == 2:
        return beta.sqrt()
    return beta / (delta * torch.pow(torch.as_tensor(
        alpha, dtype=beta.dtype, device=beta.device), beta - delta))


def finite_rows(pred: Tensor, target: Tensor,
                weight: Optional[Tensor]) -> Tensor:
    """The boxes that may enter the running mean: weighted (weight > 0),
    with finite coordinates in prediction and target."""
    keep = torch.ones(pred.shape[:-1], dtype=torch.bool, device=pred.device) \
        if weight is None else weight > 0
    return keep & torch.isfinite(pred).all(-1) & torch.isfinite(target).all(-1)


def bad_mean(mean: Optional[Tensor], prefix: str = '') -> Optional[str]:
    """Why a checkpoint's running mean may not be loaded (not a finite
    number > 0: every later batch would be NaN), or None."""
    if mean is None or bool(torch.isfinite(mean).all() and (mean > 0).all()):
        return None
    return (f'{prefix}wiou_mean is {mean.tolist()!r}: a Wise-IoU running '
            'mean must be a finite number > 0 (the checkpoint was saved '
            'after a non-finite batch); refused')


def update_running_mean(mean: Tensor, l_iou: Tensor, keep: Tensor,
                        momentum: float) -> None:
    """``mean <- (1 - m) mean + m batch_mean`` over the boxes ``keep``
    marks, the sum and count all-reduced across ranks (every rank must
    call it, with or without boxes)."""
    stats = torch.stack([l_iou[keep].sum(), keep.sum()]).to(torch.float64)
    if dist.is_available() and dist.is_initialized() and \
            dist.get_world_size() > 1:
        stats = stats.to(mean.device)
        dist.all_reduce(stats)
    total, count = stats.tolist()
    if count > 0 and math.isfinite(total):
        mean.mul_(1 - momentum).add_(momentum * total / count)
