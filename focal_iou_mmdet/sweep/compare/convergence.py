"""Does a loss converge faster than its baseline?  Per comparison, from
the paired runs' validation curves (the primary metric at every evaluated
epoch, read from mmengine's records):

* the paired difference at each epoch both runs evaluated, with the
  sweep's interval over the seed pairs (fixed-n t, or anytime);
* the *area* between the curves: per seed pair the mean difference over
  those epochs.  Its verdict is made by the one verdict code
  (:func:`...analysis.grid_verdicts.grid_verdicts`), corrected over the
  grid: ``beats`` reads *faster*, ``worse`` *slower* (a sample-efficiency
  comparison: R. Agarwal et al., NeurIPS 2021, section 5);
* epochs to reach the baseline's final value: per seed pair the variant's
  first epoch at or above its baseline's final value, as a ratio to the
  baseline's own first epoch there.  A variant that never gets there is
  *censored*: its last evaluated epoch stands in, so the ratio is a lower
  bound, and the count is given.  The mean ratio's interval is a
  percentile bootstrap over the seed pairs (fixed-n sweeps with 3 or more
  pairs; none where the seeds were added after looking).
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np

from ...analysis.grid_verdicts import FIXED, Verdict, grid_verdicts
from ...analysis.verdicts import BEATS, LOGGED_RESOLUTION, WORSE
from .comparison import Comparison, VerdictRule, interval_of

#: convergence words for the verdict code's words
WORDS = {BEATS: 'faster', WORSE: 'slower'}
RATIO_RESAMPLES = 2000


@dataclass
class Convergence:
    """One comparison's convergence (module doc)."""
    comparison: Comparison
    epochs: List[int]
    per_epoch: List[Optional[Verdict]]
    area: List[float]
    ratios: List[float]
    censored: int
    verdict: Optional[Verdict] = None
    ratio_interval: Optional[tuple] = None
    #: the paired Δ of the true positives' mean IoU at each common epoch
    #: (runs evaluated by CocoLocalizationMetric; else empty)
    localization_epochs: List[int] = field(default_factory=list)
    localization: List[Optional[Verdict]] = field(default_factory=list)

    @property
    def word(self) -> str:
        """faster / slower / the verdict code's undecided word."""
        if self.verdict is None:
            return 'no finished seed pair'
        return WORDS.get(self.verdict.corrected, self.verdict.corrected)

    @property
    def ratio(self) -> Optional[float]:
        return float(np.mean(self.ratios)) if self.ratios else None

    def ratio_text(self) -> str:
        """``0.75x [0.60, 0.91] (1 of 3 censored: at least)``."""
        if self.ratio is None:
            return 'n/a'
        text = f'{self.ratio:.2f}x'
        if self.ratio_interval is not None:
            text += (f' [{self.ratio_interval[0]:.2f}, '
                     f'{self.ratio_interval[1]:.2f}]')
        if self.censored:
            text += (f' ({self.censored} of {len(self.ratios)} never '
                     'reached it: censored, so at least this)')
        return text


def first_epoch_at(curve: Dict[int, float], target: float) -> Optional[int]:
    """The first epoch whose value is at least ``target`` (None: none)."""
    return next((e for e in sorted(curve) if curve[e] >= target - 1e-12),
                None)


#: the short name of the per-epoch localization measure
LOCALIZATION = 'tp_IoU'


def _paired_curves(comp: Comparison, short: Optional[str] = None
                   ) -> List[tuple]:
    """Per seed pair ``(variant curve, baseline curve)`` in percent, of
    the primary metric (or the one of that short name)."""
    out = []
    for _, run, base in comp.pairs():
        family = run['_family']
        key = None if short is None else next(
            (k for k, v in family.keys.items() if v == short), '')
        a, b = run['_result'].curve(key), base['_result'].curve(key)
        if a and b:
            out.append(({e: v * 100 for e, v in a.items()},
                        {e: v * 100 for e, v in b.items()}))
    return out


def _ratios(curves: Sequence[tuple]) -> tuple:
    ratios, censored = [], 0
    for a, b in curves:
        target = b[max(b)]
        e_base = first_epoch_at(b, target)
        e_var = first_epoch_at(a, target)
        if e_var is None:
            censored += 1
            e_var = max(a)
        ratios.append(e_var / e_base)
    return ratios, censored


def _ratio_interval(ratios: List[float], rule: VerdictRule):
    if rule.kind != FIXED or len(ratios) < 3:
        return None
    rng = np.random.default_rng(0)
    r = np.asarray(ratios)
    means = r[rng.integers(0, len(r), (RATIO_RESAMPLES, len(r)))].mean(-1)
    lo, hi = np.quantile(means, [rule.alpha / 2, 1 - rule.alpha / 2])
    return float(lo), float(hi)


def _per_epoch(curves: Sequence[tuple], rule: VerdictRule) -> tuple:
    """``(common epochs, interval of the paired Δ at each)``; logged
    values, so at the log's resolution."""
    common = sorted(set.intersection(*(set(a) & set(b) for a, b in curves))
                    ) if curves else []
    return common, [interval_of([a[e] - b[e] for a, b in curves], rule,
                                LOGGED_RESOLUTION) for e in common]


def convergence_of(comp: Comparison, rule: VerdictRule) -> Convergence:
    """A comparison's :class:`Convergence`, its verdict not yet set
    (:func:`judge_convergence` corrects over the grid)."""
    curves = _paired_curves(comp)
    common, per_epoch = _per_epoch(curves, rule)
    area = [float(np.mean([a[e] - b[e] for e in common]))
            for a, b in curves] if common else []
    ratios, censored = _ratios(curves)
    loc_epochs, loc = _per_epoch(_paired_curves(comp, LOCALIZATION), rule)
    return Convergence(comp, common, per_epoch, area, ratios, censored,
                       ratio_interval=_ratio_interval(ratios, rule),
                       localization_epochs=loc_epochs, localization=loc)


def judge_convergence(comps: Sequence[Comparison], rule: VerdictRule
                      ) -> List[Convergence]:
    """Every comparison's convergence, verdicts corrected over the grid."""
    found = [convergence_of(c, rule) for c in comps]
    # the curves are mmengine's logged values (rounded), never recomputed
    verdicts = grid_verdicts([c.area for c in found], rule.kind, rule.alpha,
                             correction=rule.correction,
                             resolution=LOGGED_RESOLUTION)
    for c, v in zip(found, verdicts):
        c.verdict = v
    return found


__all__ = ['Convergence', 'LOCALIZATION', 'WORDS', 'convergence_of', 'first_epoch_at',
           'judge_convergence']
