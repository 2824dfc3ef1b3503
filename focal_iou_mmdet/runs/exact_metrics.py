"""A run's COCO metrics at full precision, recomputed from the detections
its last evaluation stored.

mmdet's ``CocoMetric`` logs each AP rounded to 3 decimals (0.1 point), so
two seeds often give identical logged differences, which no statistic can
tell from a real zero spread (:mod:`...analysis.verdicts`).  Where the run
dumped its detections (a sweep's runs do, :attr:`.RunDir.predictions_file`)
and the annotation file its dumped config names is still readable,
pycocotools' ``COCOeval`` gives the same metrics unrounded.  They are used
only where they round to what the run logged (else the ground truth
changed since: the logged values stay, and the report says so).

The result is kept in ``<run dir>/exact_metrics.json``, keyed by the
sha256 of the detections and of the annotation file: a change to either
recomputes it, an unchanged run only reads it.  It is JSON (data, never
unpickled: a sweep folder may come from someone else).
"""
import contextlib
import io
import json
from typing import Dict, Optional

from ..utils.json_io import write_json
from .code_identity import file_sha256
from .config_dump import ConfigDumpError, read_literal

#: COCOeval.stats index of each short name (bbox, maxDets 100)
STATS_INDEX = {'AP': 0, 'AP50': 1, 'AP75': 2, 'AP_s': 3, 'AP_m': 4,
               'AP_l': 5}
CACHE_FILE = 'exact_metrics.json'
#: a logged metric is round(value, 3): half a unit, and float slack
LOGGED_TOLERANCE = 5e-4 + 1e-9


def evaluated_ann_file(run_dir) -> str:
    """The annotation file the run was evaluated on, from the config
    mmengine dumped when it trained (ConfigDumpError: not there)."""
    return str(read_literal(run_dir.dumped_config,
                            ['val_evaluator', 'ann_file']))


def coco_stats(ann_file: str, detections_file: str) -> Dict[str, float]:
    """pycocotools' bbox metrics (fractions; -1 where the set has no box
    of a size) of the detections against the annotation file."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    with open(detections_file) as f:
        dets = json.load(f)
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(ann_file)
        if not dets:
            raise ValueError('no detections')
        ev = COCOeval(gt, gt.loadRes(dets), 'bbox')
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return {k: float(ev.stats[i]) for k, i in STATS_INDEX.items()}


def _computed(run_dir, ann_file: str) -> Optional[Dict[str, float]]:
    """The stats from the cache when its key matches, else computed and
    cached (None: nothing to compute from)."""
    key = dict(detections=file_sha256(run_dir.predictions_file),
               annotations=file_sha256(ann_file))
    cache = run_dir.file(CACHE_FILE)
    with contextlib.suppress(OSError, ValueError, TypeError):
        with open(cache) as f:
            kept = json.load(f)
        if kept.get('key') == key and isinstance(kept.get('stats'), dict):
            return {k: float(v) for k, v in kept['stats'].items()
                    if k in STATS_INDEX}
    stats = coco_stats(ann_file, run_dir.predictions_file)
    with contextlib.suppress(OSError):
        write_json(cache, dict(key=key, stats=stats))
    return stats


def exact_coco_metrics(run_dir, logged: Dict[str, Optional[float]]
                       ) -> Optional[Dict[str, Optional[float]]]:
    """The run's final metrics at full precision (short names, fractions,
    None where the set has no box of a size), or None where they cannot be
    had or do not round to ``logged`` (its logged final metrics, same
    names) -- see the module doc."""
    try:
        stats = _computed(run_dir, evaluated_ann_file(run_dir))
    except (ConfigDumpError, OSError, ValueError, KeyError, IndexError,
            TypeError):
        return None
    if stats is None:
        return None
    out = {}
    for name, value in logged.items():
        if name not in stats:
            continue
        exact = None if stats[name] < 0 else stats[name]
        if (exact is None) != (value is None) or (
                exact is not None and abs(exact - value) > LOGGED_TOLERANCE):
            return None
        out[name] = exact
    return out or None


__all__ = ['CACHE_FILE', 'LOGGED_TOLERANCE', 'STATS_INDEX', 'coco_stats',
           'evaluated_ann_file', 'exact_coco_metrics']
