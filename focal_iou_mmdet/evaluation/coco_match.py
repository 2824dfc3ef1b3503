"""One run's detections matched to the COCO ground truth, kept compact, and
every box metric the report reads computed from it -- with each validation
image counted any number of times (the image bootstrap's resamples).

COCOeval's ``evaluate`` matches detections to ground truth per image and
category at each IoU threshold (``evalImgs``: ``dtMatches``, ``dtIgnore``,
``gtIgnore``; the pair's IoU in ``ious``).  Its ``accumulate`` sorts a
category's detections by score and reads precision at 101 recall points
from cumulative true and false positive counts.  Precision only rises at a
true positive and the recall points are first reached at one, so only the
detections that are a true positive at some threshold (*events*) need a
row here; the others are counted into the next event's row, image by
image.  A COCO-val run of 500,000 detections keeps a few tens of thousands
of rows, and a resample's AP is a cumulative sum over those.  With every
image counted once, AP, AP50 and AP75 equal ``COCOeval.stats`` (tested).

Localization measures from the same match (IoU threshold 0.5):

- ``tp_IoU``: the mean IoU of the true positives with their ground truth;
- ``oLRP`` and ``oLRP_loc``: optimal Localisation-Recall-Precision error
  and its localisation component (Oksuz, Cam, Akbas, Kalkan, "Localization
  Recall Precision (LRP): A New Performance Metric for Object Detection",
  ECCV 2018; "One Metric to Measure them All: Localisation Recall
  Precision (LRP) for Evaluating Visual Detection Tasks", TPAMI 2022):
  per class ``LRP = (sum over TP of (1 - IoU) / (1 - tau) + FP + FN) /
  (TP + FP + FN)`` minimised over the score threshold (no detection at
  all: 1); ``oLRP_loc`` is the mean ``1 - IoU`` of the true positives at
  that optimum.  Both are averaged over the classes with ground truth (the
  localisation component over those whose optimum keeps a detection).
  Lower is better.
"""
from typing import Dict, List, Optional, Sequence

import numpy as np

from .box_matching import AREA_RANGES, match_per_category
from .weighted_accumulate import (AP_RANGES, IOU_THRESHOLDS, LRP_TAU,
                                  RECALL_POINTS, AreaRows, CategoryRows,
                                  category_rows, summarize)

#: COCOeval's area ranges by name, in its order
AREAS = tuple(AREA_RANGES)
#: every metric :meth:`RunMatch.metrics` gives, and which way is better
HIGHER_IS_BETTER = {**{k: True for k in AP_RANGES}, 'tp_IoU': True,
                    'oLRP': False, 'oLRP_loc': False, 'matched': True}
#: who matches detections to the ground truth (RunMatch.from_detections)
MATCHERS = ('compiled', 'pycocotools')
#: the metrics that are counts (the others are fractions, shown in percent)
COUNTS = ('matched',)


def percent_scale(name: str) -> float:
    """The factor a metric is shown with: 100 for a fraction (``AP_s``,
    ``tp_IoU``; any size suffix), 1 for a count."""
    return 1.0 if name.split('_')[0] in COUNTS else 100.0


def _category_rows(evals, n_img: int, max_det: int,
                   ious_of) -> Optional[CategoryRows]:
    """Rows of one category in one area from its ``[(image index,
    evalImg)]``; ``ious_of(evalImg)``: IoU of each detection with its
    match at threshold 0.5."""
    if not evals:
        return None
    n_t = len(IOU_THRESHOLDS)
    gt_count = np.zeros(n_img, np.int64)
    for i, e in evals:
        gt_count[i] = np.count_nonzero(np.asarray(e['gtIgnore']) == 0)
    scores = np.concatenate([np.asarray(e['dtScores'][:max_det], float)
                             for _, e in evals])
    if not len(scores):
        return category_rows(np.zeros(0), np.zeros(0, np.int64),
                             np.zeros((n_t, 0), bool),
                             np.zeros((n_t, 0), bool), np.zeros(0), gt_count)
    return category_rows(
        scores,
        np.concatenate([np.full(len(e['dtScores'][:max_det]), i)
                        for i, e in evals]).astype(np.int64),
        np.concatenate([np.asarray(e['dtMatches'])[:, :max_det]
                        for _, e in evals], axis=1) != 0,
        np.concatenate([np.asarray(e['dtIgnore'])[:, :max_det]
                        for _, e in evals], axis=1) != 0,
        np.concatenate([ious_of(e) for _, e in evals]), gt_count)


#: the fields of a saved match, per area and category
_FIELDS = ('image', 'tp', 'iou', 'counted', 'gt_count')
#: a batch holds this many (thresholds x rows) elements' worth of
#: resamples (bounded memory whatever the set's size)
_BATCH_ELEMENTS = 4_000_000


class RunMatch:
    """A run's detections matched to the ground truth (module doc):
    per area range, one :class:`CategoryRows` per category (None where the
    category has neither ground truth nor detections in the set)."""

    def __init__(self, img_ids: Sequence[int], cat_ids: Sequence[int],
                 areas: Dict[str, List[Optional[CategoryRows]]]):
        self.img_ids = list(img_ids)
        self.cat_ids = list(cat_ids)
        self.areas = areas
        self._rows: Dict[str, AreaRows] = {}
        #: what the match was computed from, where it was saved or read
        self.key: Optional[str] = None

    @classmethod
    def from_cocoeval(cls, ev, areas: Sequence[str] = AREAS) -> 'RunMatch':
        """From a bbox ``COCOeval`` after ``evaluate()`` (default
        parameters: ten IoU thresholds, the four area ranges, maxDets
        100)."""
        p = ev.params
        if np.shape(p.iouThrs) != IOU_THRESHOLDS.shape or \
                not np.allclose(p.iouThrs, IOU_THRESHOLDS) or \
                [list(a) for a in p.areaRng][:1] != [[0, 1e10]]:
            raise ValueError('COCOeval with non-default thresholds or areas')
        n_img, max_det = len(p.imgIds), p.maxDets[-1]
        n_area = len(p.areaRng)
        ious_of = _iou_lookup(ev, max_det)
        found = {}
        for area in areas:
            a0 = AREAS.index(area)
            found[area] = [
                _category_rows(
                    [(i, e) for i in range(n_img) for e in
                     [ev.evalImgs[(k0 * n_area + a0) * n_img + i]]
                     if e is not None], n_img, max_det, ious_of)
                for k0 in range(len(p.catIds))]
        return cls(p.imgIds, p.catIds, found)

    @classmethod
    def from_detections(cls, coco_gt, detections: Sequence[dict],
                        areas: Sequence[str] = AREAS,
                        matcher: str = 'compiled') -> 'RunMatch':
        """Match ``detections`` (COCO result dicts) to ``coco_gt``:
        ``matcher`` 'compiled' (:mod:`.box_matching`, the default) or
        'pycocotools' (``COCOeval.evaluate``); the same match either way
        (tested).  ValueError: no detections, or an unknown matcher."""
        if not detections:
            raise ValueError('a run without detections has no AP curve')
        if matcher not in MATCHERS:
            raise ValueError(f'matcher={matcher!r}: use one of {MATCHERS}')
        img_ids = sorted(coco_gt.getImgIds())
        if matcher == 'compiled':
            return cls(img_ids, sorted(coco_gt.getCatIds()),
                       match_per_category(coco_gt, detections, areas))
        import contextlib
        import io
        from pycocotools.cocoeval import COCOeval
        with contextlib.redirect_stdout(io.StringIO()):
            ev = COCOeval(coco_gt, coco_gt.loadRes(list(detections)), 'bbox')
            ev.params.imgIds = img_ids
            ev.evaluate()
        return cls.from_cocoeval(ev, areas)

    # -- metrics -----------------------------------------------------------
    def metrics(self, area: str = 'all',
                weights: Optional[np.ndarray] = None) -> Dict[str, float]:
        """Every metric of :data:`HIGHER_IS_BETTER` (AP as a fraction;
        ``matched``: the true positives at IoU 0.5), image ``i`` counted
        ``weights[i]`` times (None: once); nan where undefined."""
        w = np.ones(len(self.img_ids)) if weights is None else \
            np.asarray(weights, float)
        return {k: float(v[0]) for k, v in self.draws(area, w[None]).items()}

    def ap(self, weights: Optional[np.ndarray] = None, area: str = 'all'
           ) -> Optional[float]:
        """COCO AP (IoU .50:.95, maxDets 100); None where no category has
        ground truth among the counted images."""
        v = self.metrics(area, weights)['AP']
        return None if np.isnan(v) else v

    def draws(self, area: str, weights: np.ndarray) -> Dict[str, np.ndarray]:
        """:meth:`metrics` for each row of ``weights`` (B, images), in
        batches of bounded memory."""
        rows = self._area_rows(area)
        if not rows.n_cat:
            return {k: np.full(len(weights), np.nan)
                    for k in HIGHER_IS_BETTER}
        size = max(1, _BATCH_ELEMENTS // (len(IOU_THRESHOLDS) *
                                          max(rows.tp.shape[1], 1)))
        parts = [summarize(rows.per_category(weights[s:s + size]))
                 for s in range(0, len(weights), size)]
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def _area_rows(self, area: str) -> AreaRows:
        """The area's categories end to end, built once."""
        if area not in self._rows:
            self._rows[area] = AreaRows(
                [c for c in self.areas[area] if c is not None],
                len(self.img_ids))
        return self._rows[area]

    # -- on disk (arrays only: loaded without pickle) -----------------------
    def save(self, path: str, key: str = '') -> None:
        """Write the match to ``path`` (``.npz``) with a ``key`` naming
        what it was computed from; written to a temporary name first."""
        import os
        arrays = dict(img_ids=np.asarray(self.img_ids, np.int64),
                      cat_ids=np.asarray(self.cat_ids, np.int64),
                      key=np.asarray(key), areas=np.asarray(list(self.areas)))
        for area, cats in self.areas.items():
            arrays[f'{area}/present'] = np.asarray(
                [c is not None for c in cats])
            for name in _FIELDS:
                parts = [getattr(c, name) for c in cats if c is not None]
                arrays[f'{area}/{name}/sizes'] = np.asarray(
                    [p.shape[-1 if name == 'tp' else 0] for p in parts],
                    np.int64)
                arrays[f'{area}/{name}'] = np.concatenate(
                    parts, axis=1 if name == 'tp' else 0) if parts else \
                    np.zeros(0)
        tmp = f'{path}.{os.getpid()}.tmp.npz'
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, path)
        self.key = key

    @classmethod
    def load(cls, path: str, key: Optional[str] = None
             ) -> Optional['RunMatch']:
        """The match saved at ``path``; None where it is missing,
        unreadable or was computed from something else than ``key``."""
        try:
            with np.load(path, allow_pickle=False) as z:
                if key is not None and str(z['key']) != key:
                    return None
                areas = {}
                for area in (str(a) for a in z['areas']):
                    split = {}
                    for name in _FIELDS:
                        ends = np.cumsum(z[f'{area}/{name}/sizes'])[:-1]
                        split[name] = np.split(z[f'{area}/{name}'], ends,
                                               axis=1 if name == 'tp' else 0)
                    it = iter(zip(*(split[n] for n in _FIELDS)))
                    areas[area] = [CategoryRows(*next(it)) if present
                                   else None
                                   for present in z[f'{area}/present']]
                found = cls(z['img_ids'].tolist(), z['cat_ids'].tolist(),
                            areas)
                found.key = str(z['key'])
                return found
        except (OSError, ValueError, KeyError, StopIteration):
            return None


def compile_kernels() -> None:
    """Compile (or load from numba's cache) the matching and accumulate
    kernels on a one-box set, so that the first real match does not pay
    for it (``tools/setup.sh`` calls it once per install)."""
    from pycocotools.coco import COCO
    gt = COCO()
    gt.dataset = dict(images=[dict(id=1)], categories=[dict(id=1)],
                      annotations=[dict(id=1, image_id=1, category_id=1,
                                        bbox=[0, 0, 10, 10], area=100,
                                        iscrowd=0)])
    gt.createIndex()
    match = RunMatch.from_detections(gt, [dict(
        image_id=1, category_id=1, bbox=[1, 0, 10, 10], score=0.5)])
    match.draws('all', np.ones((2, 1)))


def _iou_lookup(ev, max_det: int):
    """``evalImg -> IoU of each of its detections with the ground truth
    it matched at the first threshold`` (0: none), from ``ev.ious``."""
    def ious_of(e) -> np.ndarray:
        dt = np.asarray(e['dtMatches'])[0, :max_det]
        out = np.zeros(len(dt))
        if not np.any(dt):
            return out
        key = (e['image_id'], e['category_id'])
        gt_ids = [g['id'] for g in ev._gts[key]]
        column = {g: j for j, g in enumerate(gt_ids)}
        table = np.asarray(ev.ious[key])
        for d in np.flatnonzero(dt):
            out[d] = table[d, column[int(dt[d])]]
        return out
    return ious_of


__all__ = ['AP_RANGES', 'AREAS', 'COUNTS', 'CategoryRows', 'HIGHER_IS_BETTER',
           'MATCHERS', 'compile_kernels', 'percent_scale',
           'IOU_THRESHOLDS', 'LRP_TAU', 'RECALL_POINTS', 'RunMatch']
