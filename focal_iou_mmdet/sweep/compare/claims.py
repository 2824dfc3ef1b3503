"""The paper's three claims -- faster convergence, higher AP, better AP on
small objects -- answered across the whole grid: per claim a verdict and
its evidence (how many cells decide after Holm, the grid's aggregate).

The aggregate (:mod:`...analysis.aggregate`) is a fixed-n bootstrap.  A
sweep run ``--until-decided`` added seeds after looking, so its aggregate
is instead the mean (and IQM) of the cells' anytime-valid intervals, each
at level alpha / cells (Bonferroni: they hold together, and the mean and
IQM are monotone in each cell), and P(improve) is not given.

A claim is *supported* where the aggregate's interval lies above 0,
*contradicted* where it lies below, else *not shown*; *not enough data*
where no cell passes the minimum-evidence rule (the one verdict function,
:mod:`...analysis.verdicts`, decides all of it).  The cells' own verdicts
are the evidence beside it.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
from scipy import stats as st

from ...analysis.aggregate import (IQM_TRIM, Aggregate, NotEnoughData,
                                   aggregate_differences)
from ...analysis.grid_verdicts import ANYTIME, grid_verdicts
from ...analysis.verdicts import (BEATS, LOGGED_RESOLUTION, NOT_ENOUGH,
                                  WORSE, claim_word)
from .comparison import Comparison, VerdictRule

#: fewer ground-truth boxes of a size than this behind its AP get a note
MIN_SUPPORT = 500


@dataclass(frozen=True)
class GridAggregate:
    """One metric's :class:`~...analysis.aggregate.Aggregate` over the
    cells that have enough data (its fields read through; the others are
    its ``left_out``)."""
    values: Aggregate

    def __getattr__(self, name):
        if name == 'values':  # not set yet (copy, pickle)
            raise AttributeError(name)
        return getattr(self.values, name)

    def text(self, metric: str) -> str:
        return self.values.format(metric)

    @property
    def word(self) -> str:
        """The claim's word for the aggregate's verdict."""
        return claim_word(self.values.verdict)


def grid_aggregate(cells: Dict[str, Sequence[float]], rule: VerdictRule,
                   resolution: float = 0.0) -> Optional[GridAggregate]:
    """The aggregate of ``cells`` (name -> paired differences) under the
    sweep's rule (module doc); None where no cell has enough data
    (:class:`~...analysis.aggregate.NotEnoughData`)."""
    cells = {k: list(v) for k, v in cells.items() if len(v)}
    if not cells:
        return None
    if rule.kind != ANYTIME:
        try:
            return GridAggregate(aggregate_differences(
                cells, rule.alpha, resolution=resolution))
        except NotEnoughData:
            return None
    found = grid_verdicts(list(cells.values()), ANYTIME,
                          rule.alpha / len(cells), correction=False,
                          resolution=resolution)
    left_out = tuple((k, v.why) for k, v in zip(cells, found)
                     if v.raw == NOT_ENOUGH)
    ends = np.array([[v.mean, v.low, v.high] for v in found
                     if v.raw != NOT_ENOUGH]).reshape(-1, 3)
    if not len(ends):
        return None
    iqm = st.trim_mean(ends, IQM_TRIM, axis=0)
    return GridAggregate(Aggregate(
        *(float(x) for x in (*ends.mean(0), *iqm)), None, None, None,
        len(ends), rule.alpha, left_out=left_out))


@dataclass(frozen=True)
class Claim:
    """One row of the claims table, and the aggregate behind it."""
    claim: str
    verdict: str
    evidence: str
    aggregate: Optional[GridAggregate] = None


def resolution_of(comps: Sequence[Comparison], metric: str = 'primary'
                  ) -> float:
    """The coarsest resolution of ``metric`` over the comparisons (what
    an aggregate over them can resolve)."""
    return max((c.resolution(metric) for c in comps), default=0.0)


def cell_count(verdicts: Sequence, words=(BEATS, WORSE),
               names=(BEATS, WORSE)) -> str:
    """``beats in 3 of 8 cells after Holm (worse in 1)``."""
    decided = [v for v in verdicts if v is not None and v.p_value is not None]
    n = {w: sum(1 for v in decided if v.corrected == w) for w in words}
    text = f'{names[0]} in {n[words[0]]} of {len(decided)} cells after Holm'
    if n[words[1]]:
        text += f' ({names[1]} in {n[words[1]]})'
    return text


def _claim(name: str, verdicts, aggregate, metric: str, names, extra=''):
    if aggregate is None:
        whys = sorted({v.why for v in verdicts if v is not None and v.why})
        return Claim(name, NOT_ENOUGH, 'no cell has enough data' + (
            f' ({"; ".join(whys)})' if whys else
            ': no finished seed pair') + extra)
    return Claim(name, aggregate.word, cell_count(verdicts, names=names)
                 + '; ' + aggregate.text(metric) + extra, aggregate)


def ap_claim(comps: Sequence[Comparison], rule: VerdictRule, metric: str
             ) -> Claim:
    cells = {c.label: c.differences() for c in comps}
    return _claim(f'higher {metric}', [c.verdict for c in comps],
                  grid_aggregate(cells, rule, resolution_of(comps)), metric,
                  (BEATS, WORSE))


def convergence_claim(found: Sequence, rule: VerdictRule, metric: str
                      ) -> Claim:
    """From :func:`.convergence.judge_convergence`'s results."""
    cells = {c.comparison.label: c.area for c in found}
    ratios = [c.ratio for c in found if c.ratio is not None]
    censored = sum(c.censored for c in found)
    extra = ''
    if ratios:
        runs = f'{censored} run' + ('s' if censored != 1 else '')
        extra = (f'; epochs to the baseline\'s final {metric}: '
                 f'{np.mean(ratios):.2f}x the baseline\'s (mean over cells'
                 + (f'; {runs} never reached it, counted at the last epoch'
                    if censored else '') + ')')
    return _claim('faster convergence', [c.verdict for c in found],
                  grid_aggregate(cells, rule, LOGGED_RESOLUTION),
                  f'{metric} over epochs',
                  ('faster', 'slower'), extra)


def small_claim(comps: Sequence[Comparison], rule: VerdictRule,
                small: Optional[str], supports: Sequence[Optional[int]],
                min_support: int = MIN_SUPPORT) -> Claim:
    """The small-object claim; ``supports``: per comparison the small
    ground-truth boxes behind its AP_s (None: unknown)."""
    name = 'better small objects'
    if small is None:
        return Claim(name, 'not measured',
                     'the runs\' metric has no object sizes (not COCO)')
    diffs = [c.differences(small) for c in comps]
    verdicts = grid_verdicts(diffs, rule.kind, rule.alpha,
                             correction=rule.correction,
                             resolution=[c.resolution(small) for c in comps])
    known = [s for s in supports if s is not None]
    extra = ''
    if known:
        few = sum(1 for s in known if s < min_support)
        span = f'{min(known)}' + (f'-{max(known)}' if max(known) >
                                  min(known) else '')
        extra = (f'; {span} small boxes behind {small}'
                 + (f' (fewer than {min_support} in {few} of {len(known)} '
                    'cells: a noisy measure)' if few else ''))
    return _claim(name, verdicts,
                  grid_aggregate({c.label: d for c, d in zip(comps, diffs)},
                                 rule, resolution_of(comps, small)), small,
                  (BEATS, WORSE), extra)


def claims_table(claims: Sequence[Claim]) -> List[str]:
    """The Markdown lines of the claims table."""
    return ['| claim | verdict | evidence |', '|---|---|---|'] + [
        f'| {c.claim} | {c.verdict} | {c.evidence} |' for c in claims]


__all__ = ['Claim', 'GridAggregate', 'MIN_SUPPORT', 'ap_claim',
           'cell_count', 'claims_table', 'convergence_claim', 'grid_aggregate',
           'resolution_of', 'small_claim']
