"""A paired bootstrap over validation images for the AP difference of two
runs evaluated on the same images.

pycocotools' COCOeval matches each run's detections to the ground truth
image by image (``evaluate``) and then accumulates the matches over all
images into precision/recall curves (``accumulate``).  The matching is done
once per run (:class:`MatchedRun`); a bootstrap sample is a vector of image
weights (how often each image was drawn) and its AP is the same
accumulation with every image's detections and ground truth counted that
many times (:meth:`MatchedRun.ap`).  Both runs get the same resampled
images, so the interval is on the paired difference.  With all weights 1
the AP is pycocotools' own (tested).
"""
import contextlib
import io
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

#: COCOeval's area ranges by name, in its order
AREAS = ('all', 'small', 'medium', 'large')


@dataclass
class _Curve:
    """One category in one area range, detections in COCOeval's order."""
    det_image: np.ndarray   # (D,) image index of each detection
    tp: np.ndarray          # (T, D) bool: matched and not ignored
    fp: np.ndarray          # (T, D) bool: unmatched and not ignored
    gt_count: np.ndarray    # (I,) not-ignored ground truths per image


class MatchedRun:
    """One run's detections matched to the ground truth, per image, by
    pycocotools (COCOeval.evaluate, bbox, maxDets 100)."""

    def __init__(self, coco_gt, detections: Sequence[dict],
                 areas: Sequence[str] = ('all', 'small')):
        from pycocotools.cocoeval import COCOeval
        with contextlib.redirect_stdout(io.StringIO()):
            coco_dt = coco_gt.loadRes(list(detections)) if detections \
                else None
            ev = COCOeval(coco_gt, coco_dt, 'bbox') if coco_dt else None
            if ev is not None:
                ev.evaluate()
        self.img_ids = sorted(coco_gt.getImgIds())
        self.cat_ids = sorted(coco_gt.getCatIds())
        self.rec_thrs = np.linspace(.0, 1.00, 101)
        self.curves: Dict[str, List[_Curve]] = {}
        if ev is None:
            raise ValueError('a run without detections has no AP curve')
        p = ev.params
        assert list(p.imgIds) == self.img_ids and list(p.catIds) == \
            self.cat_ids
        n_img, max_det = len(self.img_ids), p.maxDets[-1]
        for area in areas:
            a0 = AREAS.index(area)
            curves = []
            for k0 in range(len(self.cat_ids)):
                base = k0 * len(AREAS) * n_img + a0 * n_img
                evals = [(i, ev.evalImgs[base + i]) for i in range(n_img)]
                evals = [(i, e) for i, e in evals if e is not None]
                if not evals:
                    curves.append(None)
                    continue
                scores = np.concatenate([e['dtScores'][:max_det]
                                         for _, e in evals])
                order = np.argsort(-scores, kind='mergesort')
                det_image = np.concatenate([
                    np.full(len(e['dtScores'][:max_det]), i)
                    for i, e in evals]).astype(np.int64)[order]
                dtm = np.concatenate([e['dtMatches'][:, :max_det]
                                      for _, e in evals], axis=1)[:, order]
                dt_ig = np.concatenate([e['dtIgnore'][:, :max_det]
                                        for _, e in evals], axis=1)[:, order]
                gt_count = np.zeros(n_img)
                for i, e in evals:
                    gt_count[i] = np.count_nonzero(
                        np.asarray(e['gtIgnore']) == 0)
                matched = dtm.astype(bool)
                ignored = dt_ig.astype(bool)
                curves.append(_Curve(det_image, matched & ~ignored,
                                     ~matched & ~ignored, gt_count))
            self.curves[area] = curves

    def ap(self, weights: Optional[np.ndarray] = None,
           area: str = 'all') -> Optional[float]:
        """COCO AP (IoU .50:.95, maxDets 100) with image ``i`` counted
        ``weights[i]`` times (None: every image once); None when no
        category has ground truth in the sample."""
        n_img = len(self.img_ids)
        w = np.ones(n_img) if weights is None else np.asarray(weights, float)
        per_cat = []
        for c in self.curves[area]:
            if c is None:
                continue
            npig = float(w @ c.gt_count)
            if npig == 0:
                continue
            wd = w[c.det_image]
            tp = np.cumsum(c.tp * wd, axis=1)
            fp = np.cumsum(c.fp * wd, axis=1)
            if tp.shape[1] == 0:
                per_cat.append(0.0)
                continue
            rc = tp / npig
            pr = tp / (fp + tp + np.spacing(1))
            # the precision envelope: max over the points to the right
            pr = np.maximum.accumulate(pr[:, ::-1], axis=1)[:, ::-1]
            q = np.zeros((tp.shape[0], len(self.rec_thrs)))
            for t in range(tp.shape[0]):
                idx = np.searchsorted(rc[t], self.rec_thrs, side='left')
                ok = idx < pr.shape[1]
                q[t, ok] = pr[t, idx[ok]]
            per_cat.append(q.mean())
        return float(np.mean(per_cat)) if per_cat else None


def bootstrap_draws(a: MatchedRun, b: MatchedRun, resamples: int = 1000,
                    seed: int = 0, area: str = 'all') -> np.ndarray:
    """AP(a) - AP(b) in percent points over ``resamples`` draws of the
    images with replacement (the same draw for both runs); draws where
    either AP is undefined are left out."""
    if a.img_ids != b.img_ids:
        raise ValueError('the two runs were evaluated on different images')
    rng = np.random.default_rng(seed)
    n = len(a.img_ids)
    diffs = []
    for _ in range(resamples):
        w = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        ap_a, ap_b = a.ap(w, area), b.ap(w, area)
        if ap_a is not None and ap_b is not None:
            diffs.append((ap_a - ap_b) * 100)
    return np.asarray(diffs)


def bootstrap_summary(a: MatchedRun, b: MatchedRun, resamples: int = 1000,
                      seed: int = 0, level: float = 0.95, area: str = 'all'
                      ) -> Tuple[float, float, float, float]:
    """``(difference, low, high, variance)`` of AP(a) - AP(b) in percent
    points: the difference on the full set, the percentile interval and
    the variance of :func:`bootstrap_draws` (the test set's sampling
    variance of the difference).  TypeError where a run has no AP of that
    ``area``."""
    full = (a.ap(area=area) - b.ap(area=area)) * 100
    diffs = bootstrap_draws(a, b, resamples, seed, area)
    lo, hi = np.percentile(diffs, [50 * (1 - level), 50 * (1 + level)])
    return full, float(lo), float(hi), float(np.var(diffs, ddof=1))


def paired_bootstrap(a: MatchedRun, b: MatchedRun, resamples: int = 1000,
                     seed: int = 0, level: float = 0.95,
                     area: str = 'all') -> Tuple[float, float, float]:
    """``(difference, low, high)`` of :func:`bootstrap_summary`."""
    return bootstrap_summary(a, b, resamples, seed, level, area)[:3]
