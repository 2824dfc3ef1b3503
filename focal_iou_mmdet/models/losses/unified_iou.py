r"""Unified-IoU's box scaling (Luo, Jiang, Liu, Li & Cheng, "Unified-IoU:
For High-Quality Object Detection", arXiv 2408.06636, 2024; code
lxj-drifter/UIOU_files ``metrics.py``): both boxes are scaled about their
own centres by a ratio ``r`` before the base variant (CIoU in the paper)
is computed.  ``r > 1`` enlarges them, so low-quality (low-IoU) boxes
overlap and get more of the gradient early on; ``r < 1`` shrinks them, so
late in training high-quality boxes weigh more.  ``r`` is annealed over
the epochs from ``start`` to ``end`` (the authors' 2 -> 0.5 over 300):

* ``linear``: ``r = s + (t - s) e / E`` (the authors' default);
* ``cosine``: ``r = (s + t) / 2 + (s - t) / 2 cos(pi e / E)``;
* ``fraction``: ``r = s k / (e + k)``, ``k = t E / (s - t)`` (the authors'
  ``200 / (e + 100)`` for 2 -> 0.5 over 300),

``e`` the current epoch (0-based, held at ``E`` after it).  The epoch
comes from :class:`~focal_iou_mmdet.engine.hooks.UIoUEpochHook`, which
sets it before each training epoch from the runner, so a resumed run
continues the schedule where it stopped.
"""
import math
from typing import Tuple

import torch
from torch import Tensor

UIOU_SCHEDULES = ('linear', 'cosine', 'fraction')


def uiou_ratio(epoch: int, start: float, end: float, epochs: int,
               schedule: str = 'linear') -> float:
    """The scaling ratio at ``epoch`` (module doc)."""
    e = min(max(int(epoch), 0), epochs)
    if schedule == 'linear':
        return start + (end - start) * e / epochs
    if schedule == 'cosine':
        return (start + end) / 2 + (start - end) / 2 * math.cos(
            math.pi * e / epochs)
    if schedule == 'fraction':  # decreasing only (start > end)
        if start == end:
            return start
        k = end * epochs / (start - end)
        return start * k / (e + k)
    raise ValueError(f'uiou_schedule must be one of {UIOU_SCHEDULES}, got '
                     f'{schedule!r}')


def scaled_about_centres(pred: Tensor, target: Tensor, ratio: float
                         ) -> Tuple[Tensor, Tensor]:
    """Both xyxy boxes scaled by ``ratio`` about their own centres."""
    def scale(b: Tensor) -> Tensor:
        centre = (b[..., :2] + b[..., 2:]) * 0.5
        half = (b[..., 2:] - b[..., :2]) * (0.5 * ratio)
        return torch.cat([centre - half, centre + half], -1)
    return scale(pred), scale(target)


__all__ = ['UIOU_SCHEDULES', 'scaled_about_centres', 'uiou_ratio']
