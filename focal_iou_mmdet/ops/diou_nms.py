"""DIoU-NMS (Zheng et al., "Distance-IoU Loss", AAAI 2020).

Greedy NMS in score order, where a kept box ``i`` suppresses box ``j`` when

    IoU(i, j) - (rho^2(i, j) / c^2(i, j)) ** beta > iou_threshold

with ``rho`` the distance of the box centres and ``c`` the diagonal of their
smallest enclosing box.  ``beta = 1`` by default (the authors' Faster R-CNN code
found 0.9 slightly better).  With coinciding centres the penalty is 0 and
this is exactly greedy IoU NMS.

mmcv has no DIoU variant, and mmdet's post-processing of every detector
(dense heads' ``_bbox_post_process`` and the RoI head's ``multiclass_nms``)
goes through mmcv's ``batched_nms``, which resolves ``nms_cfg['type']`` by
name inside ``mmcv.ops.nms``.  :func:`register_diou_nms` adds ``diou_nms``
there, so ``test_cfg.nms=dict(type='diou_nms', iou_threshold=0.5, beta=1.0)``
works for SSD, RetinaNet and Faster R-CNN alike, class-aware through
``batched_nms``'s coordinate offsets.  Pure torch: CPU and CUDA, no compiled
extension of ours (torch.compile fuses its pairwise kernel where it can).
"""
import math
import warnings
from typing import Optional, Tuple, Union

import numpy as np
import torch
from torch import Tensor


def diou_to(box: Tensor, boxes: Tensor, beta: float = 1.0) -> Tensor:
    """``IoU - (rho^2 / c^2) ** beta`` of one ``box`` (4,) against
    ``boxes`` (n, 4)."""
    return _pairwise_diou(_features(box[None]), _features(boxes),
                          None if beta == 1.0 else beta)[0]


def _check_shapes(boxes: Tensor, scores: Tensor) -> None:
    """boxes ``(n, 4)`` and scores ``(n,)`` of the same n, or ValueError
    naming both shapes."""
    if boxes.dim() != 2 or boxes.shape[-1] != 4 or scores.dim() != 1 or \
            scores.shape[0] != boxes.shape[0]:
        raise ValueError(
            'diou_nms needs boxes of shape (n, 4) and scores of shape (n,), '
            f'got boxes {tuple(boxes.shape)} and scores '
            f'{tuple(scores.shape)}')


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

    On every device the pairwise suppression relation is computed block
    by block on the boxes' own device by one compiled kernel (torch.compile;
    eager torch where compiling is not possible), each block comes to the
    host in one transfer, and the greedy scan runs there over its rows
    packed as bits (:func:`_greedy_bits`): a few kernels and one transfer
    per block of 128 undecided boxes, not a host round-trip per kept box.
    It keeps exactly the boxes of the greedy definition
    (:func:`greedy_reference`; tested on CPU, and on CUDA by the ``cuda``
    self-check).
    """
    if offset != 0:
        raise ValueError(f'diou_nms supports offset=0 only, got {offset!r}')
    _check_shapes(boxes, scores)
    if not beta > 0 or not math.isfinite(beta):
        raise ValueError(f'beta must be a finite number > 0, got {beta!r}')
    if not math.isfinite(iou_threshold):
        raise ValueError(f'iou_threshold must be a finite number, got '
                         f'{iou_threshold!r}')
    # as mmcv's nms: scores filter only with a positive score_threshold
    # (a box scored 0 or below is kept otherwise)
    if score_threshold > 0:
        idx = (scores > score_threshold).nonzero(as_tuple=False).view(-1)
    else:
        idx = torch.arange(scores.numel(), device=scores.device)
    order = scores[idx].sort(descending=True, stable=True)[1]
    idx = idx[order]
    if idx.numel() == 0:
        return boxes.new_zeros((0, 5)), idx
    cand = boxes[idx].float()
    kept = _greedy_bits(cand.contiguous(), iou_threshold, beta, max_num)
    keep = idx[torch.as_tensor(kept, dtype=torch.long, device=idx.device)]
    dets = torch.cat([boxes[keep], scores[keep][:, None]], -1)
    return dets, keep


def greedy_reference(cand: Tensor, thr: float, beta: float = 1.0,
                     max_num: int = -1) -> Tensor:
    """The greedy definition, box by box: keep the best remaining box, drop
    the remaining ones it suppresses, repeat (``cand`` in score order;
    returns the kept rows).  One host round-trip per kept box on a GPU, so
    :func:`diou_nms` does not use it; it is what the tests compare with."""
    remaining = torch.arange(cand.shape[0], device=cand.device)
    kept = []
    while remaining.numel():
        i = remaining[0]
        kept.append(i)
        if max_num > 0 and len(kept) == max_num:
            break
        rest = remaining[1:]
        remaining = rest[~(diou_to(cand[i], cand[rest], beta) > thr)]
    return torch.stack(kept)


def _features(boxes: Tensor) -> Tensor:
    """(7, n): x1, y1, x2, y2, area, x1 + x2, y1 + y2 -- the per-box parts
    of DIoU, computed once instead of once per pair."""
    x1, y1, x2, y2 = boxes.unbind(-1)
    area = (x2 - x1).clamp(min=0) * (y2 - y1).clamp(min=0)
    return torch.stack([x1, y1, x2, y2, area, x1 + x2, y1 + y2])


def _pairwise_diou(rows: Tensor, cols: Tensor,
                   beta: Optional[Union[float, Tensor]]) -> Tensor:
    """``(a, m)``: DIoU of box ``r`` of ``rows`` against box ``c`` of
    ``cols`` (both :func:`_features`, (7, a) and (7, m): coordinates first,
    so the inner loop reads contiguous memory).  ``beta`` None means 1 (no
    pow, a costly exp/log)."""
    x1, y1, x2, y2, area, sx, sy = (rows[k][:, None] for k in range(7))
    bx1, by1, bx2, by2, areas, bsx, bsy = (cols[k][None, :] for k in range(7))
    iw = (torch.min(x2, bx2) - torch.max(x1, bx1)).clamp(min=0)
    ih = (torch.min(y2, by2) - torch.max(y1, by1)).clamp(min=0)
    inter = iw * ih
    iou = inter / (area + areas - inter + 1e-7)
    rho2 = ((sx - bsx)**2 + (sy - bsy)**2) / 4
    cw = torch.max(x2, bx2) - torch.min(x1, bx1)
    ch = torch.max(y2, by2) - torch.min(y1, by1)
    penalty = rho2 / (cw**2 + ch**2 + 1e-7)
    if beta is not None:
        penalty = penalty.pow(beta)
    return iou - penalty


def _suppression(rows: Tensor, cols: Tensor, thr: Tensor,
                 beta: Optional[Tensor]) -> Tensor:
    """``(a, m)`` bool: does box ``r`` of ``rows`` suppress box ``c`` of
    ``cols``, i.e. ``DIoU > thr``?  A NaN (a box with NaN or inf
    coordinates) suppresses nothing and is suppressed by nothing, as in
    mmcv's ``nms``."""
    return _pairwise_diou(rows, cols, beta) > thr


#: the suppression matrix through torch.compile (one fused C++ loop nest on
#: CPU; dynamic shapes, so one compile serves every n); None until first
#: use, False when compiling is not possible here
_compiled_suppression = None


def _suppression_fn():
    global _compiled_suppression
    if _compiled_suppression is None:
        _compiled_suppression = torch.compile(_suppression, dynamic=True)
    return _compiled_suppression or _suppression


def _block_suppression(rows, cols, thr, beta):
    global _compiled_suppression
    fn = _suppression_fn()
    try:
        return fn(rows, cols, thr, beta)
    except Exception as e:  # noqa: BLE001  (no compiler: stay correct)
        if fn is _suppression:
            raise
        warnings.warn(f'diou_nms: torch.compile failed ({type(e).__name__}: '
                      f'{str(e).splitlines()[0][:200]}); using eager torch')
        _compiled_suppression = False
        return _suppression(rows, cols, thr, beta)


def _greedy_bits(cand: Tensor, thr: float, beta: float, max_num: int,
                 block: int = 128):
    """Greedy DIoU suppression, exactly the loop of
    :func:`greedy_reference`, ``block`` boxes at a time.  ``alive`` (on the
    host) holds the undecided boxes in score order; each round

    1. computes on ``cand``'s device, with one compiled kernel, whether each
       of the first ``block`` alive boxes suppresses each alive box, and
       copies that block to the host (one transfer);
    2. runs the greedy scan over those ``block`` boxes, each one's row of
       the block packed as a small Python int of bits (a bit test and an OR
       per box);
    3. drops from ``alive`` the whole block (kept or suppressed: decided)
       and every later box a kept box suppresses.

    Suppressed boxes leave ``alive`` as soon as a kept box is known, so the
    kernel's work shrinks as the scan goes on.
    """
    device = cand.device
    feats = _features(cand).contiguous()
    thr_t = torch.tensor(thr, dtype=cand.dtype, device=device)
    beta_t = None if beta == 1.0 else torch.tensor(beta, dtype=cand.dtype,
                                                   device=device)
    alive = np.arange(cand.shape[0])
    kept = []
    while alive.size:
        cols = feats[:, torch.from_numpy(alive).to(device)] \
            if alive.size < cand.shape[0] else feats
        b = min(block, alive.size)
        sup = _block_suppression(cols[:, :b], cols, thr_t,
                                 beta_t).cpu().numpy()
        within = np.packbits(sup[:, :b], axis=1, bitorder='little')
        width = within.shape[1]
        within = within.tobytes()
        out, take = 0, []
        for k in range(b):
            if not (out >> k) & 1:
                take.append(k)
                out |= int.from_bytes(within[k * width:(k + 1) * width],
                                      'little')
        if max_num > 0 and len(kept) + len(take) >= max_num:
            take = take[:max_num - len(kept)]
            kept.extend(alive[take].tolist())
            break
        kept.extend(alive[take].tolist())
        decided = sup[take].any(0)
        decided[:b] = True
        alive = alive[~decided]
    return np.asarray(kept, dtype=np.int64)


def register_diou_nms() -> None:
    """Make ``type='diou_nms'`` resolvable by mmcv's ``batched_nms``."""
    # not ``import mmcv.ops.nms``: mmcv.ops re-exports the function ``nms``
    # under the submodule's name
    import importlib
    importlib.import_module('mmcv.ops.nms').diou_nms = diou_nms
