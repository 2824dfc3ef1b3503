"""A run's COCO box metrics at full precision, and the localization
measures, recomputed from the detections its last evaluation stored.

mmdet's ``CocoMetric`` logs each AP rounded to 3 decimals (0.1 point), so
two seeds often give identical logged differences, which no statistic can
tell from a real zero spread (:mod:`...analysis.verdicts`).  Where the run
dumped its detections (a sweep's runs do, :attr:`.RunDir.predictions_file`)
and the annotation file its dumped config names is still readable, the
run's match (:class:`~...evaluation.coco_match.RunMatch`, equal to
pycocotools' ``COCOeval``) gives the same metrics unrounded, and the
measures mmdet does not log (AP90, AP over .75:.95, the true positives'
mean IoU, oLRP).  They are used only where the logged ones round to what
the run logged (else the ground truth changed since: the logged values
stay, and the report says so).

The match is kept in the run's :attr:`.RunDir.match_file`, keyed by the
sha256 of the detections and of the annotation file: a change to either
matches again, an unchanged run only reads it -- the report and the image
bootstrap both read this one match.  It holds arrays only (loaded without
pickle: a sweep folder may come from someone else).
"""
import contextlib
import io
import json
from typing import Dict, Optional

from ..evaluation.coco_match import RunMatch
from .code_identity import file_sha256
from .config_dump import ConfigDumpError, read_literal

#: the area range of each size suffix
SIZE_AREAS = {'': 'all', '_s': 'small', '_m': 'medium', '_l': 'large'}
#: the metrics of each size (the full set gets all of RunMatch's)
SIZE_METRICS = ('AP', 'AP75-95', 'tp_IoU', 'matched')
#: bumped when what a saved match holds changes
MATCH_VERSION = 1
#: a logged metric is round(value, 3): half a unit, and float slack
LOGGED_TOLERANCE = 5e-4 + 1e-9


def evaluated_ann_file(run_dir) -> str:
    """The annotation file the run was evaluated on, from the config
    mmengine dumped when it trained (ConfigDumpError: not there)."""
    return str(read_literal(run_dir.dumped_config,
                            ['val_evaluator', 'ann_file']))


def match_key(detections_file: str, ann_file: str) -> str:
    """What a saved match was computed from."""
    return json.dumps(dict(version=MATCH_VERSION,
                           detections=file_sha256(detections_file),
                           annotations=file_sha256(ann_file)),
                      sort_keys=True)


def run_match(run_dir, ann_file: Optional[str] = None) -> RunMatch:
    """The run's match: read where its key matches, else computed and
    kept (ConfigDumpError, OSError, ValueError: nothing to match)."""
    ann_file = ann_file or evaluated_ann_file(run_dir)
    key = match_key(run_dir.predictions_file, ann_file)
    kept = RunMatch.load(run_dir.match_file, key)
    if kept is not None:
        return kept
    from pycocotools.coco import COCO
    with open(run_dir.predictions_file) as f:
        dets = json.load(f)
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(ann_file)
    match = RunMatch.from_detections(gt, dets)
    with contextlib.suppress(OSError):
        match.save(run_dir.match_file, key)
    return match


def match_metrics(match: RunMatch) -> Dict[str, Optional[float]]:
    """Short name -> value (fractions; None where the set has no box of
    a size): every metric of the full set, and :data:`SIZE_METRICS` by
    size (``AP_s``, ``tp_IoU_s``, ...)."""
    out = {}
    for suffix, area in SIZE_AREAS.items():
        found = match.metrics(area)
        for name, v in found.items():
            if suffix and name not in SIZE_METRICS:
                continue
            out[name + suffix] = None if v != v else v  # nan: none
    return out


def exact_coco_metrics(run_dir, logged: Dict[str, Optional[float]]
                       ) -> Optional[Dict[str, Optional[float]]]:
    """The run's final metrics at full precision (short names, fractions,
    None where the set has no box of a size) with the measures mmdet does
    not log, or None where they cannot be had or the logged ones do not
    round to ``logged`` (its logged final metrics, same names) -- see the
    module doc."""
    try:
        stats = match_metrics(run_match(run_dir))
    except (ConfigDumpError, OSError, ValueError, KeyError, IndexError,
            TypeError):
        return None
    for name, value in logged.items():
        if name not in stats:
            continue
        exact = stats[name]
        if (exact is None) != (value is None) or (
                exact is not None and abs(exact - value) > LOGGED_TOLERANCE):
            return None
    return stats


__all__ = ['LOGGED_TOLERANCE', 'MATCH_VERSION', 'SIZE_AREAS',
           'SIZE_METRICS', 'evaluated_ann_file', 'exact_coco_metrics',
           'match_key', 'match_metrics', 'run_match']
