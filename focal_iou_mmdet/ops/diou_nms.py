"""DIoU-NMS (Zheng et al., "Distance-IoU Loss", AAAI 2020).

Greedy NMS in score order, where a kept box ``i`` suppresses box ``j`` when

    IoU(i, j) - (rho^2(i, j) / c^2(i, j)) ** beta > iou_threshold

with ``rho`` the distance of the box centres and ``c`` the diagonal of their
smallest enclosing box.  ``beta = 1`` by default (the seed's Faster R-CNN code
found 0.9 slightly better).  With coinciding centres the penalty is 0 and
this is exactly greedy IoU NMS.

mmcv has no DIoU variant, and mmdet's post-processing of every detector
(dense heads' ``_bbox_post_process`` and the RoI head's ``multiclass_nms``)
goes through mmcv's ``batched_nms``, which resolves ``nms_cfg['type']`` by
name inside ``mmcv.ops.nms``.  :func:`register_diou_nms` adds ``diou_nms``
there, so ``test_cfg.nms=dict(type='diou_nms', iou_threshold=0.5, beta=1.0)``
works for SSD, RetinaNet and Faster R-CNN alike, class-aware through
``batched_nms``'s coordinate offsets.  Pure torch: CPU and CUDA, no compiled
extension.
"""
from typing import Tuple

import numpy as np
import torch
from torch import Tensor


def diou_matrix(rows: Tensor, cols: Tensor, beta: float = 1.0,
                eps: float = 1e-7) -> Tensor:
    """``IoU - (rho^2 / c^2) ** beta`` of every box in ``rows`` (m, 4)
    against every box in ``cols`` (n, 4): shape (m, n)."""
    ax1, ay1, ax2, ay2 = (v[:, None] for v in rows.unbind(-1))
    bx1, by1, bx2, by2 = cols.unbind(-1)
    area_a = (ax2 - ax1).clamp(min=0) * (ay2 - ay1).clamp(min=0)
    area_b = (bx2 - bx1).clamp(min=0) * (by2 - by1).clamp(min=0)
    iw = (torch.min(ax2, bx2) - torch.max(ax1, bx1)).clamp(min=0)
    ih = (torch.min(ay2, by2) - torch.max(ay1, by1)).clamp(min=0)
    inter = iw * ih
    iou = inter / (area_a + area_b - inter + eps)
    rho2 = ((ax1 + ax2 - bx1 - bx2)**2 + (ay1 + ay2 - by1 - by2)**2) / 4
    cw = torch.max(ax2, bx2) - torch.min(ax1, bx1)
    ch = torch.max(ay2, by2) - torch.min(ay1, by1)
    penalty = rho2 / (cw**2 + ch**2 + eps)
    if beta != 1.0:
        penalty = penalty.pow(beta)
    return iou - penalty


def _suppression(boxes: Tensor, iou_threshold: float, beta: float,
                 chunk: int = 1024) -> Tensor:
    """Boolean (n, n) ``diou > threshold``, built ``chunk`` rows at a time so
    that only the boolean matrix is ever whole (1e4 boxes: 100 MB)."""
    return torch.cat([
        diou_matrix(boxes[i:i + chunk], boxes, beta) > iou_threshold
        for i in range(0, boxes.shape[0], chunk)
    ])


def diou_nms(boxes: Tensor,
             scores: Tensor,
             iou_threshold: float,
             offset: int = 0,
             score_threshold: float = 0.0,
             max_num: int = -1,
             beta: float = 1.0) -> Tuple[Tensor, Tensor]:
    """DIoU-NMS with the signature of :func:`mmcv.ops.nms`.

    Returns ``(dets, keep)``: ``dets`` (k, 5) boxes with scores in descending
    score order, ``keep`` their indices into the input.  Ties in score are
    broken by index (stable sort), so results are deterministic.
    """
    if offset != 0:
        raise ValueError(f'diou_nms supports offset=0 only, got {offset!r}')
    if beta <= 0:
        raise ValueError(f'beta must be > 0, got {beta!r}')
    valid = scores > score_threshold
    idx = valid.nonzero(as_tuple=False).view(-1)
    order = scores[idx].sort(descending=True, stable=True)[1]
    idx = idx[order]
    if idx.numel() == 0:
        return boxes.new_zeros((0, 5)), idx
    sup = _suppression(boxes[idx].float(), iou_threshold, beta).cpu().numpy()
    n = idx.numel()
    removed = np.zeros(n, dtype=bool)
    kept = []
    for i in range(n):  # greedy, in score order (numpy: cheap scalar access)
        if removed[i]:
            continue
        kept.append(i)
        if max_num > 0 and len(kept) == max_num:
            break
        removed |= sup[i]
    keep = idx[torch.tensor(kept, dtype=torch.long, device=idx.device)]
    dets = torch.cat([boxes[keep], scores[keep][:, None]], -1)
    return dets, keep


def register_diou_nms() -> None:
    """Make ``type='diou_nms'`` resolvable by mmcv's ``batched_nms``."""
    # not ``import mmcv.ops.nms``: mmcv.ops re-exports the function ``nms``
    # under the submodule's name
    import importlib
    importlib.import_module('mmcv.ops.nms').diou_nms = diou_nms
