"""COCOeval's per-image matching (``evaluate``, bbox) as one compiled loop:
the same matches as pycocotools, image and category at a time.

For each image and category pycocotools sorts the detections by score
(stable; the first 100 kept) and the ground truths with the ignored ones
last, computes the IoU of every pair (a crowd box's IoU is the
intersection over the detection's area), and at each IoU threshold gives
every detection, best first, the unmatched ground truth of highest IoU at
or above the threshold -- a non-ignored one before any ignored one.  A
detection matched to an ignored ground truth, or unmatched and outside the
area range, is ignored.  This module does exactly that (tested against
pycocotools' ``evalImgs`` on the shapes and aquarium sets and on sets with
crowd boxes, score ties and more than 100 detections) and hands the
result to :func:`.weighted_accumulate.category_rows`.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numba
import numpy as np

from .weighted_accumulate import (IOU_THRESHOLDS, CategoryRows,
                                  category_rows)

#: COCOeval's area ranges (bbox)
AREA_RANGES = {'all': (0.0, 1e10), 'small': (0.0, 32.0 ** 2),
               'medium': (32.0 ** 2, 96.0 ** 2), 'large': (96.0 ** 2, 1e10)}
#: detections kept per image and category
MAX_DETS = 100


def _group_ids(img: np.ndarray, cat: np.ndarray, n_cat: int) -> np.ndarray:
    return img.astype(np.int64) * n_cat + cat


def _ground_truth(coco_gt, img_index, cat_index) -> Tuple[np.ndarray, ...]:
    """Ground-truth arrays in the (image, category, dataset) order
    COCOeval holds them: group, xywh boxes, ``area`` field, crowd, and
    whether the annotation id is nonzero (pycocotools records a match by
    the ground truth's id, so one matched to id 0 counts as unmatched)."""
    anns = [a for i in sorted(img_index) for a in coco_gt.imgToAnns.get(i, [])
            if a['category_id'] in cat_index]
    img = np.array([img_index[a['image_id']] for a in anns], np.int64)
    cat = np.array([cat_index[a['category_id']] for a in anns], np.int64)
    group = _group_ids(img, cat, len(cat_index))
    order = np.argsort(group, kind='mergesort')
    boxes = np.array([a['bbox'] for a in anns], float).reshape(-1, 4)
    area = np.array([a['area'] for a in anns], float)
    crowd = np.array([bool(a.get('iscrowd', 0)) for a in anns], bool)
    counts = np.array([a['id'] != 0 for a in anns], bool)
    return group[order], boxes[order], area[order], crowd[order], \
        counts[order]


def _detections(dets, img_index, cat_index) -> Tuple[np.ndarray, ...]:
    """Detection arrays grouped by (image, category), each group by score
    (stable), cut at :data:`MAX_DETS`: group, boxes, scores."""
    dets = [d for d in dets if d['image_id'] in img_index and
            d['category_id'] in cat_index]
    img = np.array([img_index[d['image_id']] for d in dets], np.int64)
    cat = np.array([cat_index[d['category_id']] for d in dets], np.int64)
    group = _group_ids(img, cat, len(cat_index))
    boxes = np.array([d['bbox'] for d in dets], float).reshape(-1, 4)
    scores = np.array([d['score'] for d in dets], float)
    order = np.lexsort((np.arange(len(dets)), -scores, group))
    group, boxes, scores = group[order], boxes[order], scores[order]
    start = np.searchsorted(group, group, side='left')
    keep = np.arange(len(group)) - start < MAX_DETS
    return group[keep], boxes[keep], scores[keep]


@numba.njit(cache=True)
def _pair_iou(d, g, crowd):  # pragma: no cover
    """pycocotools' bbox IoU (maskApi.c bbIou), xywh boxes."""
    w = min(d[0] + d[2], g[0] + g[2]) - max(d[0], g[0])
    h = min(d[1] + d[3], g[1] + g[3]) - max(d[1], g[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = d[2] * d[3] if crowd else d[2] * d[3] + g[2] * g[3] - inter
    return inter / union


@numba.njit(cache=True)
def _match_groups(gt_start, gt_end, dt_start, dt_end, gt_box, gt_area,
                  crowd, gt_counts, dt_box, ranges, thresholds, matched,
                  ignored, iou0, gt_ignored):  # pragma: no cover
    """COCOeval.evaluateImg for every (image, category) group, area range
    and threshold (module doc); writes the per-detection and per-ground-
    truth outputs."""
    for q in range(gt_start.shape[0]):
        gs, ng, ds, nd = gt_start[q], gt_end[q] - gt_start[q], dt_start[q], \
            dt_end[q] - dt_start[q]
        ious = np.zeros((nd, ng))
        for d in range(nd):
            for j in range(ng):
                ious[d, j] = _pair_iou(dt_box[ds + d], gt_box[gs + j],
                                       crowd[gs + j])
        for a in range(ranges.shape[0]):
            lo, hi = ranges[a, 0], ranges[a, 1]
            ig = np.empty(ng, np.bool_)
            for j in range(ng):
                ig[j] = crowd[gs + j] or gt_area[gs + j] < lo or \
                    gt_area[gs + j] > hi
                gt_ignored[a, gs + j] = ig[j]
            order = np.argsort(ig, kind='mergesort')
            for t in range(thresholds.shape[0]):
                taken = np.zeros(ng, np.bool_)
                for d in range(nd):
                    best, m = min(thresholds[t], 1 - 1e-10), -1
                    for gi in range(ng):
                        j = order[gi]
                        if taken[gi] and not crowd[gs + j]:
                            continue
                        if m > -1 and not ig[order[m]] and ig[j]:
                            break
                        if ious[d, j] < best:
                            continue
                        best, m = ious[d, j], gi
                    found = m > -1 and gt_counts[gs + order[m]]
                    if m > -1:
                        taken[m] = True
                        ignored[a, t, ds + d] = ig[order[m]]
                    if found:
                        matched[a, t, ds + d] = True
                        if t == 0:
                            iou0[a, ds + d] = ious[d, order[m]]
                    else:
                        w, h = dt_box[ds + d, 2], dt_box[ds + d, 3]
                        ignored[a, t, ds + d] = ignored[a, t, ds + d] or \
                            w * h < lo or w * h > hi


def match_per_category(coco_gt, detections: Sequence[dict],
                       areas: Sequence[str]
                       ) -> Dict[str, List[Optional[CategoryRows]]]:
    """Per area range, one :class:`CategoryRows` per category of
    ``coco_gt`` (sorted ids; None where the set has neither ground truth
    nor detections of it), from the compiled matching."""
    img_ids, cat_ids = sorted(coco_gt.getImgIds()), sorted(coco_gt.getCatIds())
    img_index = {i: k for k, i in enumerate(img_ids)}
    cat_index = {c: k for k, c in enumerate(cat_ids)}
    g_group, g_box, g_area, crowd, g_counts = _ground_truth(
        coco_gt, img_index, cat_index)
    d_group, d_box, scores = _detections(detections, img_index, cat_index)
    groups = np.union1d(g_group, d_group)
    ranges = np.array([AREA_RANGES[a] for a in areas], float)
    n_a, n_t = len(areas), len(IOU_THRESHOLDS)
    matched = np.zeros((n_a, n_t, len(d_group)), bool)
    ignored = np.zeros((n_a, n_t, len(d_group)), bool)
    iou0 = np.zeros((n_a, len(d_group)))
    gt_ignored = np.zeros((n_a, len(g_group)), bool)
    side = lambda a, s: np.searchsorted(a, groups, side=s)  # noqa: E731
    _match_groups(side(g_group, 'left'), side(g_group, 'right'),
                  side(d_group, 'left'), side(d_group, 'right'), g_box,
                  g_area, crowd, g_counts, d_box, ranges, IOU_THRESHOLDS,
                  matched, ignored, iou0, gt_ignored)
    n_cat, n_img = len(cat_ids), len(img_ids)
    present = np.zeros(n_cat, bool)
    present[groups % n_cat] = True
    d_cat, g_cat = d_group % n_cat, g_group % n_cat
    out = {}
    for a, area in enumerate(areas):
        cats: List[Optional[CategoryRows]] = []
        for k in range(n_cat):
            if not present[k]:
                cats.append(None)
                continue
            sel = np.flatnonzero(d_cat == k)
            gt_count = np.bincount(
                g_group[(g_cat == k) & ~gt_ignored[a]] // n_cat,
                minlength=n_img)
            cats.append(category_rows(
                scores[sel], d_group[sel] // n_cat, matched[a][:, sel],
                ignored[a][:, sel], iou0[a, sel], gt_count))
        out[area] = cats
    return out


__all__ = ['AREA_RANGES', 'MAX_DETS', 'match_per_category']
