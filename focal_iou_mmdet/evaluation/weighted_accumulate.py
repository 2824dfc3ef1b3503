"""COCOeval's ``accumulate`` with each image counted any number of times,
for many weightings at once: the arithmetic behind every metric of a run's
match (:mod:`.coco_match`).

A category's *events* are its detections that are a true positive at some
IoU threshold, in score order; every other detection is counted into the
next event's row (:class:`CategoryRows`).  Precision only rises at a true
positive and a recall point is first reached at one, so the precision
envelope read at the 101 recall points needs only the events: AP is a
cumulative sum over them.  All categories of an area range are laid end to
end (:class:`AreaRows`) and each resample's metrics come from a few array
operations over that line, segment by segment.
"""
from dataclasses import dataclass
from typing import Dict, List

import numba
import numpy as np

#: COCOeval's IoU thresholds and recall points (bbox)
IOU_THRESHOLDS = np.linspace(.5, 0.95, 10)
RECALL_POINTS = np.linspace(.0, 1.00, 101)
#: the IoU threshold of LRP (and of a true positive's IoU)
LRP_TAU = 0.5
#: AP over a range of thresholds: name -> threshold indices
AP_RANGES = {'AP': slice(0, 10), 'AP50': slice(0, 1), 'AP75': slice(5, 6),
             'AP90': slice(8, 9), 'AP75-95': slice(5, 10)}


@dataclass
class CategoryRows:
    """One category in one area range: its events in score order.

    ``image``: (R,) image index of each event; ``tp``: (T, R) bool, a true
    positive at threshold t; ``iou``: (R,) IoU with its match at 0.5 (0
    where unmatched there); ``counted``: (E, 4) int rows ``(event row,
    image, threshold mask, count)`` -- detections not ignored at the
    thresholds in the mask, counted at that row (the event's own
    detection included); ``gt_count``: (I,) not-ignored ground truths per
    image."""
    image: np.ndarray
    tp: np.ndarray
    iou: np.ndarray
    counted: np.ndarray
    gt_count: np.ndarray


def category_rows(scores, det_image, matched, ignored, iou, gt_count
                  ) -> CategoryRows:
    """One category's rows from its detections in COCOeval's
    concatenation order (image by image, each image's by score):
    ``matched``/``ignored`` (T, D) per threshold, ``iou`` (D) with the
    match at 0.5, ``gt_count`` (I) not-ignored ground truths per image."""
    n_t = len(IOU_THRESHOLDS)
    order = np.argsort(-np.asarray(scores, float), kind='mergesort')
    det_image = np.asarray(det_image, np.int64)[order]
    matched, ignored = matched[:, order], ignored[:, order]
    iou = np.asarray(iou, float)[order]
    tp = matched & ~ignored
    events = np.flatnonzero(tp.any(axis=0))
    keep = np.arange(len(order)) <= (events[-1] if len(events) else -1)
    mask = ((~ignored).astype(np.int64) << np.arange(n_t)[:, None]).sum(0)
    keep &= mask != 0
    pos = np.flatnonzero(keep)
    key = np.stack([np.searchsorted(events, pos), det_image[pos],
                    mask[pos]], axis=1)
    uniq, count = np.unique(key, axis=0, return_counts=True) if len(key) \
        else (np.zeros((0, 3), np.int64), np.zeros(0, np.int64))
    counted = np.concatenate([uniq, count[:, None]], axis=1).astype(np.int64)
    return CategoryRows(det_image[events], tp[:, events],
                        np.where(tp[0, events], iou[events], 0.0), counted,
                        np.asarray(gt_count, np.int64))


class AreaRows:
    """The categories of one area range end to end (module doc)."""

    def __init__(self, cats: List[CategoryRows], n_img: int):
        from scipy.sparse import csr_matrix
        n_t = len(IOU_THRESHOLDS)
        sizes = np.asarray([c.tp.shape[1] for c in cats], np.int64)
        self.n_cat = len(cats)
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]) \
            .astype(np.int64)
        cat = lambda f, axis=0, empty=(0,): np.concatenate(  # noqa: E731
            [f(c) for c in cats], axis=axis) if cats else np.zeros(empty)
        self.image = cat(lambda c: c.image).astype(np.int64)
        self.tp = np.ascontiguousarray(cat(lambda c: c.tp, 1, (n_t, 0)),
                                       dtype=bool)
        self.iou = cat(lambda c: c.iou).astype(float)
        self.gt_count = np.stack([c.gt_count for c in cats]).astype(float) \
            if cats else np.zeros((0, n_img))
        counted = np.concatenate(
            [np.zeros((0, 4), np.int64)] +
            [c.counted.reshape(-1, 4) + [s, 0, 0, 0]
             for c, s in zip(cats, self.starts)]).astype(np.int64)
        row, img, mask, count = counted.T
        self.by_mask = [(int(b), csr_matrix(
            (count[mask == b].astype(float), (row[mask == b], img[mask == b])),
            shape=(self.tp.shape[1], n_img))) for b in np.unique(mask)]

    def per_category(self, w: np.ndarray) -> Dict[str, np.ndarray]:
        """For weights ``w`` (B, I): ``ap`` (B, K, T; nan without ground
        truth), ``olrp``, ``olrp_loc`` (B, K), ``tp`` and ``iou_sum``
        (B,) at IoU 0.5."""
        w = np.ascontiguousarray(w, dtype=float)
        n_b, (n_t, n_r) = w.shape[0], self.tp.shape
        npig = np.ascontiguousarray(w @ self.gt_count.T)    # (B, K)
        seen = np.zeros((max(len(self.by_mask), 1), n_b, n_r))
        bits = np.zeros(len(seen), np.int64)
        for m, (b, matrix) in enumerate(self.by_mask):
            seen[m] = np.asarray(matrix @ w.T).T
            bits[m] = b
        out = dict(ap=np.full((n_b, self.n_cat, n_t), np.nan),
                   olrp=np.full((n_b, self.n_cat), np.nan),
                   olrp_loc=np.full((n_b, self.n_cat), np.nan),
                   tp=np.zeros(n_b), iou_sum=np.zeros(n_b))
        ends = self.starts + np.diff(np.append(self.starts, n_r))
        _accumulate(self.tp, self.image, self.iou, self.starts, ends, seen,
                    bits, w, npig, RECALL_POINTS, LRP_TAU, out['ap'],
                    out['olrp'], out['olrp_loc'], out['tp'], out['iou_sum'])
        return out


@numba.njit(cache=True)
def _accumulate(tp, image, iou, starts, ends, seen, bits, w, npig, rec, tau,
                ap, olrp, olrp_loc, tp_sum, iou_sum):  # pragma: no cover
    """COCOeval's accumulate per resample ``b`` and category ``k`` (rows
    ``starts[k]:ends[k]``) and threshold ``t``: running true positives
    and not-ignored detections, precision at each true positive, the
    recall points each row first reaches, then the precision envelope
    from the right; at t = 0 also the lowest LRP and the true positives'
    IoU.  Writes into the output arrays (nan stays where a category has
    no ground truth in the resample)."""
    n_b, n_k, n_t = w.shape[0], starts.shape[0], tp.shape[0]
    longest = 1
    for k in range(n_k):
        longest = max(longest, ends[k] - starts[k])
    for b in range(n_b):
        pr = np.empty(longest)
        first = np.empty(longest, np.int64)
        for k in range(n_k):
            s, e, g = starts[k], ends[k], npig[b, k]
            if g <= 0:
                continue
            best, best_loc = 1.0, np.nan
            for t in range(n_t):
                tpc, sc, loc, p = 0.0, 0.0, 0.0, 0
                for j in range(s, e):
                    for m in range(seen.shape[0]):
                        if (bits[m] >> t) & 1:
                            sc += seen[m, b, j]
                    pr[j - s] = 0.0
                    if tp[t, j]:
                        wj = w[b, image[j]]
                        tpc += wj
                        pr[j - s] = tpc / (sc + 2.220446049250313e-16)
                        if t == 0:
                            loc += wj * (1.0 - iou[j])
                            iou_sum[b] += wj * iou[j]
                            fp = sc - tpc
                            if tpc > 0:
                                lrp = (loc / (1.0 - tau) + fp + g - tpc) / \
                                    (g + fp)
                                if lrp < best:
                                    best, best_loc = lrp, loc / tpc
                    n = p
                    while n < rec.shape[0] and rec[n] <= tpc / g:
                        n += 1
                    first[j - s] = n - p
                    p = n
                if t == 0:
                    tp_sum[b] += tpc
                env, acc = 0.0, 0.0
                for j in range(e - 1, s - 1, -1):
                    if pr[j - s] > env:
                        env = pr[j - s]
                    acc += env * first[j - s]
                ap[b, k, t] = acc / rec.shape[0]
            olrp[b, k] = best
            if best < 1.0:
                olrp_loc[b, k] = best_loc


def summarize(per: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """The metrics over categories from :meth:`AreaRows.per_category`:
    each AP of :data:`AP_RANGES` (mean over the categories with ground
    truth, as COCOeval), ``tp_IoU``, ``oLRP``, ``oLRP_loc`` and
    ``matched`` (nan where undefined)."""
    ap = per['ap']
    out = {}
    with np.errstate(invalid='ignore', divide='ignore'):
        valid = ~np.isnan(ap[:, :, 0])
        for name, sel in AP_RANGES.items():
            out[name] = np.where(valid.any(1), np.nansum(
                ap[:, :, sel].mean(2), axis=1) / valid.sum(1), np.nan)
        out['tp_IoU'] = per['iou_sum'] / per['tp']
        for name in ('olrp', 'olrp_loc'):
            v = per[name]
            n = (~np.isnan(v)).sum(1)
            out['oLRP' + name[4:]] = np.where(
                n > 0, np.nansum(v, axis=1) / np.maximum(n, 1), np.nan)
    out['matched'] = per['tp']
    return out


__all__ = ['AP_RANGES', 'AreaRows', 'CategoryRows', 'IOU_THRESHOLDS',
           'category_rows',
           'LRP_TAU', 'RECALL_POINTS', 'summarize']
