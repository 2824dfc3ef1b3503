"""The statistics of a sweep's report: per group (runs over seeds) the mean
± std of each metric, and per comparison with its baseline the paired
difference with its interval (:mod:`...analysis.intervals`) and the
verdict that follows from it."""
from collections import OrderedDict
from typing import List, Optional

from ...analysis.intervals import Interval, paired_t_interval
from ...analysis.sequential import decide
from ...analysis.stats import mean_std
from ..spec import SweepSpec
from .bootstrap import ImageBootstrap
from .rows import (baseline_key, group, metric_columns, seed_axis,
                   seed_pairs, small_name)


def summarize(spec: SweepSpec, rows: List[dict],
              sequential: bool = False) -> List[dict]:
    """Per group (runs over seeds): n finished of planned, mean ± std of
    each metric and of the train time, and the difference of the primary
    and the small-object metric to the baseline of the same detector:
    paired by seed, with a 95% t-interval (:mod:`...analysis.intervals`);
    with ``sequential``, also the anytime-valid decision on the primary
    difference, the seeds in the order they were run
    (:mod:`...analysis.sequential`)."""
    columns = metric_columns(rows)
    small = small_name(rows)
    stats = OrderedDict()
    for key, members in group(spec, rows).items():
        # a finished run without metrics (e.g. a val set too small for any
        # detection) is not counted: report() lists it
        done = [r for r in members
                if r['state'] == 'done' and r['primary'] is not None]
        s = dict(key=key, n=len(done), planned=len(members),
                 results=[r['_result'] for r in done], done=done)
        for m in columns + ['train_time_s']:
            s[m] = mean_std([r.get(m) for r in done])
        stats[key] = s
    seeds = seed_axis(spec)
    images = ImageBootstrap(spec)
    for key, s in stats.items():
        bkey = baseline_key(spec, key, list(stats))
        s['baseline'] = bkey
        base = stats[bkey]['done'] if bkey else []
        for m in ('primary', 'small'):
            s['d_' + m] = _paired_interval(
                s['done'], base, seeds,
                'primary' if m == 'primary' else small, sequential)
        s['bootstrap'] = images.pairs(s['done'], base, seeds)
        diffs = paired_differences(s['done'], base, seeds, 'primary')
        s['sequential'] = decide(diffs) if sequential and diffs else None
        s['differences'] = diffs
    return list(stats.values())


def _paired_interval(runs: List[dict], base_runs: List[dict],
                     seed_axis: Optional[str], metric: Optional[str],
                     sequential: bool = False) -> Optional[Interval]:
    """The variant's metric minus its baseline's, paired by seed, with a
    95% t-interval over the pairs -- or, for a sweep that added seeds until
    decided (whose fixed-n t-interval no longer holds), the anytime-valid
    one; a pair whose two runs report different metric families (COCO AP
    and VOC mAP) is never subtracted."""
    if metric is None:
        return None
    diffs = paired_differences(runs, base_runs, seed_axis, metric)
    if not sequential:
        return paired_t_interval(diffs)
    if not diffs:
        return None
    d = decide(diffs)
    return Interval(d.mean, d.low, d.high, d.n, p_value=d.p_value)


def paired_differences(runs: List[dict], base_runs: List[dict],
                       seed_axis: Optional[str], metric: str) -> List[float]:
    """The variant's metric minus its baseline's, seed by seed, in the
    order the seeds were planned (never across metric families)."""
    return [r[metric] - b[metric]
            for _, r, b in seed_pairs(runs, base_runs, seed_axis)
            if r['_family'] is b['_family'] and r.get(metric) is not None
            and b.get(metric) is not None]


def value_text(v) -> str:
    """An axis value as printed (None: the config's own value)."""
    return 'default' if v is None else str(v)


def comparison_label(key: tuple, baseline: tuple) -> str:
    """``retinanet, focal-iou vs retinanet, iou``."""
    return (f'{", ".join(value_text(v) for v in key)} vs '
            f'{", ".join(value_text(v) for v in baseline)}')
