"""The per-group statistics of a sweep's report: per group (runs over
seeds) the mean ± std of each metric and of the train time, and for a
variant group its comparison with the baseline (:mod:`.comparison`: the
verdict on the primary metric), the small-object difference with the same
kind of interval, and the per-seed image bootstrap."""
from collections import OrderedDict
from typing import List, Optional, Tuple

from ...analysis.descriptive import mean_std
from ..spec import SweepSpec
from .comparison import (Comparison, VerdictRule, finished, find_comparisons,
                         groups, interval_of, judge)
from .per_seed_bootstrap import ImageBootstrap
from .rows import metric_columns, small_name
from .size_support import SUPPORT_COLUMNS


def support_of(done: List[dict]) -> Optional[dict]:
    """The boxes and images of each size behind a group's AP by size (its
    first finished run's; None where none has them)."""
    done = [r for r in done
            if all(r.get(k) is not None for k in SUPPORT_COLUMNS)]
    return {k: done[0][k] for k in SUPPORT_COLUMNS} if done else None


def summarize(spec: SweepSpec, rows: List[dict], rule: VerdictRule
              ) -> Tuple[List[dict], List[Comparison]]:
    """``(group stats, comparisons)``: per group its n finished of
    planned, ``mean ± std`` of each metric, the boxes behind its AP by
    size (``support``), and -- for a variant group --
    ``comparison``, ``d_primary`` (its verdict), ``d_small`` and
    ``bootstrap`` (``[(seed, ΔAP, ΔAP_s, note)]``)."""
    columns = metric_columns(rows)
    small = small_name(rows)
    stats = OrderedDict()
    for key, members in groups(spec, rows).items():
        # a finished run without metrics (e.g. a val set too small for any
        # detection) is not counted: the report's notes list it
        done = finished(members)
        s = dict(key=key, n=len(done), planned=len(members),
                 results=[r['_result'] for r in done], done=done,
                 baseline=None, comparison=None, d_primary=None,
                 d_small=None, bootstrap=[], support=support_of(done))
        for m in columns + ['train_time_s']:
            s[m] = mean_std([r.get(m) for r in done])
        stats[key] = s
    comps = judge(find_comparisons(spec, rows), rule)
    images = ImageBootstrap(spec)
    for comp in comps:
        s = stats[comp.key]
        s.update(baseline=comp.baseline, comparison=comp,
                 d_primary=comp.verdict,
                 d_small=interval_of(comp.differences(small), rule,
                                     comp.resolution(small))
                 if small else None,
                 bootstrap=images.pairs(comp.pairs()))
    return list(stats.values()), comps
