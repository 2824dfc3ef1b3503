"""The paper's claims -- faster convergence, higher AP, better AP on small
objects -- and its mechanism, tighter boxes (strict-threshold AP against
AP50 as the control), answered across the whole grid: per claim a verdict
and its evidence (how many cells decide after Holm, the grid's
aggregate).

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
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy import stats as st

from ...analysis.aggregate import (IQM_TRIM, Aggregate, NotEnoughData,
                                   aggregate_differences)
from ...analysis.grid_verdicts import ANYTIME, Verdict, grid_verdicts
from ...analysis.verdicts import (BEATS, LOGGED_RESOLUTION, NOT_ENOUGH,
                                  WORSE, all_of, claim_word, level_text)
from ...evaluation.coco_match import HIGHER_IS_BETTER
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


def aggregate_interval_name(rule: VerdictRule) -> str:
    """What kind of interval the grid's aggregate has under ``rule``, at
    its level (as the figures label it)."""
    level = level_text(rule.alpha)
    if rule.kind == ANYTIME:
        return f'mean of the cells\' anytime {level} intervals (Bonferroni)'
    return f'{level} stratified bootstrap'


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
class ClaimPanel:
    """One metric of a claim, as the forest plot draws it: each cell's
    verdict (corrected over the grid) and the grid's aggregate."""
    metric: str
    cells: Tuple[Tuple[Comparison, Optional[Verdict]], ...]
    aggregate: Optional[GridAggregate]


@dataclass(frozen=True)
class Claim:
    """One row of the claims table, the aggregate behind it, and the
    metrics it was read from (:class:`ClaimPanel`)."""
    claim: str
    verdict: str
    evidence: str
    aggregate: Optional[GridAggregate] = None
    panels: Tuple[ClaimPanel, ...] = ()


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


def _claim(name: str, verdicts, aggregate, metric: str, names, extra='',
           comps: Sequence = ()):
    panels = (ClaimPanel(metric, tuple(zip(comps, verdicts)), aggregate),) \
        if comps else ()
    if aggregate is None:
        whys = sorted({v.why for v in verdicts if v is not None and v.why})
        return Claim(name, NOT_ENOUGH, 'no cell has enough data' + (
            f' ({"; ".join(whys)})' if whys else
            ': no finished seed pair') + extra, panels=panels)
    return Claim(name, aggregate.word, cell_count(verdicts, names=names)
                 + '; ' + aggregate.text(metric) + extra, aggregate, panels)


def ap_claim(comps: Sequence[Comparison], rule: VerdictRule, metric: str
             ) -> Claim:
    cells = {c.label: c.differences() for c in comps}
    return _claim(f'higher {metric}', [c.verdict for c in comps],
                  grid_aggregate(cells, rule, resolution_of(comps)), metric,
                  (BEATS, WORSE), comps=comps)


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
                  ('faster', 'slower'), extra,
                  comps=[c.comparison for c in found])


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
                  (BEATS, WORSE), extra, comps=comps)


#: the tighter-boxes claim: the strict measure, its control (a gain in
#: both could be more detections, not tighter boxes), and the measures
#: its evidence shows
STRICT, CONTROL = 'AP75-95', 'AP50'
LOCALIZATION_EVIDENCE = ('AP50', 'AP75', 'AP90', 'tp_IoU', 'oLRP_loc')


def _measure_text(name: str, agg: Optional[GridAggregate]) -> str:
    if agg is None:
        return f'Δ{name} n/a'
    better = '' if HIGHER_IS_BETTER.get(name, True) else \
        ' (lower is better)'
    return (f'Δ{name} {agg.mean:+.2f} [{agg.low:+.2f}, {agg.high:+.2f}]'
            + better)


def tighter_boxes_claim(comps: Sequence[Comparison], rule: VerdictRule
                        ) -> Claim:
    """Tighter boxes: the strict AP (IoU .75:.95) improves *and* it
    improves more than the control AP50 -- both over the grid's aggregate
    (intersection-union, :func:`...analysis.verdicts.all_of`); a cell
    counts where both of its corrected verdicts beat."""
    name = 'tighter boxes'
    strict = [c.differences(STRICT) for c in comps]
    if not any(strict):
        return Claim(name, 'not measured', 'no compared run has its '
                     'detections matched (a COCO evaluation that stored them)')
    gap = [c.gap_differences(STRICT, CONTROL) for c in comps]
    res = [max(c.resolution(STRICT), c.resolution(CONTROL)) for c in comps]
    v_strict = grid_verdicts(strict, rule.kind, rule.alpha,
                             correction=rule.correction, resolution=res)
    v_gap = grid_verdicts(gap, rule.kind, rule.alpha,
                          correction=rule.correction, resolution=res)
    cells = lambda d: {c.label: x for c, x in zip(comps, d)}  # noqa: E731
    agg_strict = grid_aggregate(cells(strict), rule, max(res))
    agg_gap = grid_aggregate(cells(gap), rule, max(res))
    if agg_strict is None or agg_gap is None:
        return _claim(name, v_strict + v_gap, None, STRICT, ())
    word = claim_word(all_of([agg_strict.verdict, agg_gap.verdict]))
    iou = [c.differences('tp_IoU') for c in comps]
    panels = (ClaimPanel(STRICT, tuple(zip(comps, v_strict)), agg_strict),
              ClaimPanel('tp_IoU', tuple(zip(comps, grid_verdicts(
                  iou, rule.kind, rule.alpha, correction=rule.correction,
                  resolution=[c.resolution('tp_IoU') for c in comps]))),
                  grid_aggregate(cells(iou), rule,
                                 resolution_of(comps, 'tp_IoU'))))
    both = sum(1 for a, b in zip(v_strict, v_gap) if a is not None and
               b is not None and a.corrected == b.corrected == BEATS)
    decided = sum(1 for a in v_strict if a is not None and
                  a.p_value is not None)
    others = [_measure_text(m, grid_aggregate(
        {c.label: c.differences(m) for c in comps}, rule,
        resolution_of(comps, m))) for m in LOCALIZATION_EVIDENCE]
    return Claim(name, word, (
        f'tighter in {both} of {decided} cells after Holm; '
        + agg_strict.text(STRICT) + f'; beyond the control '
        f'Δ({STRICT} - {CONTROL}) {agg_gap.mean:+.2f} [{agg_gap.low:+.2f}, '
        f'{agg_gap.high:+.2f}]; ' + ', '.join(others)), agg_strict, panels)


@dataclass(frozen=True)
class SizeTightness:
    """One object size's strict AP and true-positive IoU over the grid,
    and the true positives (IoU 0.5) behind them, per run."""
    size: str
    strict: Optional[GridAggregate]
    iou: Optional[GridAggregate]
    matched: Tuple[int, int]


def tighter_by_size(comps: Sequence[Comparison], rule: VerdictRule,
                    sizes=('small', 'medium', 'large')) -> List[SizeTightness]:
    """The tighter-boxes measures by COCO object size (sizes no run has
    matched boxes of are left out)."""
    out = []
    for size in sizes:
        sfx = '_' + size[0]
        matched = [r.get('matched' + sfx) for c in comps
                   for _, a, b in c.pairs() for r in (a, b)]
        matched = [int(m) for m in matched if m is not None]
        if not matched or not max(matched):
            continue
        agg = [grid_aggregate({c.label: c.differences(m + sfx)
                               for c in comps}, rule,
                              resolution_of(comps, m + sfx))
               for m in (STRICT, 'tp_IoU')]
        out.append(SizeTightness(size, agg[0], agg[1],
                                 (min(matched), max(matched))))
    return out


def claims_table(claims: Sequence[Claim]) -> List[str]:
    """The Markdown lines of the claims table."""
    return ['| claim | verdict | evidence |', '|---|---|---|'] + [
        f'| {c.claim} | {c.verdict} | {c.evidence} |' for c in claims]


__all__ = ['CONTROL', 'Claim', 'ClaimPanel', 'GridAggregate',
           'aggregate_interval_name', 'LOCALIZATION_EVIDENCE',
           'MIN_SUPPORT', 'STRICT', 'SizeTightness', 'ap_claim',
           'tighter_boxes_claim', 'tighter_by_size',
           'cell_count', 'claims_table', 'convergence_claim', 'grid_aggregate',
           'resolution_of', 'small_claim']
