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


def diou_to(box: Tensor, boxes: Tensor, beta: float = 1.0,
            eps: float = 1e-7) -> Tensor:
    """``IoU - (rho^2 / c^2) ** beta`` of one ``box`` (4,) against
    ``boxes`` (n, 4)."""
    x1, y1, x2, y2 = box.unbind(-1)
    bx1, by1, bx2, by2 = boxes.unbind(-1)
    area = (x2 - x1).clamp(min=0) * (y2 - y1).clamp(min=0)
    areas = (bx2 - bx1).clamp(min=0) * (by2 - by1).clamp(min=0)
    iw = (torch.min(x2, bx2) - torch.max(x1, bx1)).clamp(min=0)
    ih = (torch.min(y2, by2) - torch.max(y1, by1)).clamp(min=0)
    inter = iw * ih
    iou = inter / (area + areas - inter + eps)
    rho2 = ((x1 + x2 - bx1 - bx2)**2 + (y1 + y2 - by1 - by2)**2) / 4
    cw = torch.max(x2, bx2) - torch.min(x1, bx1)
    ch = torch.max(y2, by2) - torch.min(y1, by1)
    penalty = rho2 / (cw**2 + ch**2 + eps)
    if beta != 1.0:
        penalty = penalty.pow(beta)
    return iou - penalty


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

    Greedy over the remaining candidates: the best remaining box is kept and
    compared (vectorised) with the boxes still remaining after it, so the
    work is O(kept x remaining), with no n x n matrix.
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
    cand = boxes[idx].float()
    if cand.device.type == 'cpu':
        kept = _greedy_numpy(cand.numpy(), iou_threshold, beta, max_num)
        kept = torch.as_tensor(kept, dtype=torch.long)
    else:
        kept = _greedy_torch(cand, iou_threshold, beta, max_num)
    keep = idx[kept]
    dets = torch.cat([boxes[keep], scores[keep][:, None]], -1)
    return dets, keep


def _greedy_torch(cand: Tensor, thr: float, beta: float,
                  max_num: int) -> Tensor:
    """Greedy DIoU suppression on any device (kept rows only)."""
    remaining = torch.arange(cand.shape[0], device=cand.device)
    kept = []
    while remaining.numel():
        i = remaining[0]
        kept.append(i)
        if max_num > 0 and len(kept) == max_num:
            break
        rest = remaining[1:]
        remaining = rest[diou_to(cand[i], cand[rest], beta) <= thr]
    return torch.stack(kept)


def _greedy_numpy(cand, thr: float, beta: float, max_num: int):
    """The same greedy loop in numpy: on CPU its per-step overhead is a
    fraction of torch's, which dominates for a few thousand boxes."""
    x1, y1, x2, y2 = (cand[:, k].astype(np.float64) for k in range(4))
    area = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    remaining = np.arange(cand.shape[0])
    kept = []
    while remaining.size:
        i = remaining[0]
        kept.append(i)
        if max_num > 0 and len(kept) == max_num:
            break
        r = remaining[1:]
        iw = np.clip(np.minimum(x2[i], x2[r]) - np.maximum(x1[i], x1[r]), 0,
                     None)
        ih = np.clip(np.minimum(y2[i], y2[r]) - np.maximum(y1[i], y1[r]), 0,
                     None)
        inter = iw * ih
        iou = inter / (area[i] + area[r] - inter + 1e-7)
        rho2 = ((x1[i] + x2[i] - x1[r] - x2[r])**2 +
                (y1[i] + y2[i] - y1[r] - y2[r])**2) / 4
        cw = np.maximum(x2[i], x2[r]) - np.minimum(x1[i], x1[r])
        ch = np.maximum(y2[i], y2[r]) - np.minimum(y1[i], y1[r])
        penalty = rho2 / (cw**2 + ch**2 + 1e-7)
        if beta != 1.0:
            penalty = penalty**beta
        remaining = r[iou - penalty <= thr]
    return np.asarray(kept, dtype=np.int64)


def register_diou_nms() -> None:
    """Make ``type='diou_nms'`` resolvable by mmcv's ``batched_nms``."""
    # not ``import mmcv.ops.nms``: mmcv.ops re-exports the function ``nms``
    # under the submodule's name
    import importlib
    importlib.import_module('mmcv.ops.nms').diou_nms = diou_nms
