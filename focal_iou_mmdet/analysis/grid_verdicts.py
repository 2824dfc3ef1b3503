"""One verdict per comparison of a grid, raw and corrected for the grid.
The words, and the minimum-evidence rule in front of them, are
:mod:`.verdicts`'; this is the only place they are applied to a grid
(``run --until-decided``'s stopping rule, ``seeds``, ``report``, the claims
and the quickstart all read it).

Each comparison's paired differences (one per seed) get an interval:

* fixed n: a two-sided t-interval over the seed pairs
  (:func:`.intervals.paired_t_interval`);
* anytime (a sweep run ``--until-decided``, whose seeds were added after
  looking): Lai's t-mixture confidence sequence (:mod:`.sequential`).

Raw verdict (:func:`.verdicts.verdict_words`): ``not enough data`` where
the differences fail the minimum-evidence rule (too few seed pairs, or a
spread of zero or below the metric's resolution), else ``beats``/``worse``
when the interval excludes 0, ``equivalent`` when it lies within
``±precision``, else ``no measurable difference`` (fixed n) or
``undecided`` (anytime).  A comparison with not enough data is not tested:
it is not in the family.

Corrected verdict, over the m comparisons of the grid: ``beats``/``worse``
survive when the Holm-adjusted p-value is <= alpha
(:mod:`.multiple_testing`; S. Holm, Scand. J. Statist. 6(2), 1979).  For
anytime p-values this holds at any stopping time, so stopping each
comparison at its first *corrected* decision keeps the family-wise error
<= alpha (the anytime p-values only fall as seeds come in, so a corrected
decision is never undone; the tests check it by simulation).
``equivalent`` survives when the interval at level alpha / m lies within
``±precision`` (Bonferroni: the m intervals then hold together).
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Union

import numpy as np

from .intervals import paired_t_interval
from .multiple_testing import holm_adjusted_array
from .sequential import fewest_pairs_for_a_verdict, running_decisions
from .verdicts import (ANYTIME, BEATS, DECISIONS, EQUIVALENT, FIXED,
                       MIN_SEED_PAIRS, NOT_ENOUGH, UNDECIDED, WORSE,
                       evidence_gap, level_text, verdict_words)


@dataclass(frozen=True)
class Verdict:
    """A comparison's difference, its interval and its verdicts.

    ``low``/``high`` are None where there is no interval (one pair, or
    differences that do not vary) and +-inf while an anytime interval is
    unbounded; ``p_adjusted`` is Holm's over the ``family`` comparisons
    (None: not corrected or not tested); ``why`` says why the differences
    are not enough data (None: they are)."""
    mean: float
    low: Optional[float]
    high: Optional[float]
    n: int
    p_value: Optional[float]
    p_adjusted: Optional[float]
    raw: str
    corrected: str
    kind: str
    alpha: float
    family: int
    why: Optional[str] = None

    @property
    def interval_name(self) -> str:
        """``anytime 95%`` or ``95% t``, as the tables' headers say."""
        level = level_text(self.alpha)
        return f'anytime {level}' if self.kind == ANYTIME else f'{level} t'

    @property
    def decided(self) -> bool:
        """Whether the corrected verdict is a decision (the stopping rule
        of ``run --until-decided``)."""
        return self.corrected in DECISIONS

    def cell(self) -> str:
        """``+0.4 [-0.2, +1.0]`` (``+0.4`` without an interval)."""
        if self.low is None:
            return f'{self.mean:+.1f}'
        return f'{self.mean:+.1f} [{self.low:+.1f}, {self.high:+.1f}]'

    def format(self, metric: str = 'AP') -> str:
        """``ΔAP +0.6, anytime 95% [+0.1, +1.2] (n=7 seeds, p=0.012):
        beats; corrected for 3 comparisons: undecided (p_adj=0.036)``."""
        seeds = f'n={self.n} seed' + ('s' if self.n != 1 else '')
        text = f'Δ{metric} {self.mean:+.1f}'
        if self.low is not None:
            text += f', {self.interval_name} [{self.low:+.1f}, ' \
                    f'{self.high:+.1f}]'
        p = f', p={self.p_value:.3g}' if self.p_value is not None else ''
        text += f' ({seeds}{p}): {self.raw}'
        if self.why:
            text += f' ({self.why})'
        if self.p_adjusted is not None:
            what = f'{self.family} comparison' + (
                's' if self.family != 1 else '')
            text += (f'; corrected for {what}: {self.corrected} '
                     f'(p_adj={self.p_adjusted:.3g})')
        return text


def correct_verdicts(low, high, p, alpha: float = 0.05,
                     precision: Optional[float] = None, equivalence=None,
                     kind: str = ANYTIME, gaps=None):
    """The array core, vectorised over leading axes (simulations): for
    intervals ``low``/``high`` and p-values ``p`` of shape (..., m) (NaN:
    no interval) and the evidence ``gaps`` (:func:`.verdicts.evidence_gaps`;
    a comparison with one is not in the family), ``(raw, corrected,
    p_adjusted)``.  ``equivalence``: ``(low, high)`` at level alpha / m,
    for a corrected ``equivalent``."""
    raw = verdict_words(low, high, precision, kind, gaps)
    p = np.where(raw == NOT_ENOUGH, np.nan, np.asarray(p, dtype=float))
    p_adj = holm_adjusted_array(p)
    corrected = np.full(raw.shape, UNDECIDED[kind], dtype=object)
    corrected[raw == NOT_ENOUGH] = NOT_ENOUGH
    keep = np.isin(raw, (BEATS, WORSE)) & (p_adj <= alpha)
    corrected[keep] = raw[keep]
    if precision is not None and equivalence is not None:
        eq = verdict_words(*equivalence, precision, kind, gaps) == EQUIVALENT
        corrected[eq] = EQUIVALENT
    return raw, corrected, p_adj


def min_seed_pairs(kind: str, alpha: float) -> int:
    """The seed pairs a verdict of this kind needs at least
    (:mod:`.verdicts`)."""
    return fewest_pairs_for_a_verdict(alpha) if kind == ANYTIME else \
        MIN_SEED_PAIRS


def _interval(diffs: Sequence[float], kind: str, alpha: float):
    """(mean, low, high, p) of one comparison (NaN: none)."""
    if kind == ANYTIME:
        mean, low, high, p = (float(a[-1]) for a in
                              running_decisions(diffs, alpha))
        return mean, low, high, p
    iv = paired_t_interval(diffs, 1 - alpha)
    if not iv.has_interval:
        return iv.mean, np.nan, np.nan, np.nan
    return iv.mean, iv.low, iv.high, iv.p_value


def grid_verdicts(differences: Sequence[Sequence[float]], kind: str,
                  alpha: float = 0.05, precision: Optional[float] = None,
                  correction: bool = True,
                  resolution: Union[float, Sequence[float]] = 0.0
                  ) -> List[Optional[Verdict]]:
    """One :class:`Verdict` per comparison (None for one without a seed
    pair), corrected over the comparisons with enough data (module doc);
    ``correction=False`` leaves the raw verdicts.  ``resolution``: the
    metric's (:mod:`.verdicts`), one for all or one per comparison."""
    if kind not in UNDECIDED:
        raise ValueError(f'kind must be one of {sorted(UNDECIDED)}, got '
                         f'{kind!r}')
    if not 0 < alpha < 1:
        raise ValueError(f'alpha must be in (0, 1), got {alpha!r}')
    if precision is not None and not precision > 0:
        raise ValueError(f'precision must be > 0, got {precision!r}')
    present = [i for i, d in enumerate(differences) if len(d)]
    if not present:
        return [None] * len(differences)
    res = np.broadcast_to(np.asarray(resolution, dtype=float),
                          (len(differences),))
    need = min_seed_pairs(kind, alpha)
    gaps = np.array([evidence_gap(differences[i], res[i], need)
                     for i in present] + [None], dtype=object)[:-1]
    stats = np.array([_interval(differences[i], kind, alpha)
                      for i in present]).reshape(len(present), 4)
    mean, low, high, p = stats.T
    tested = np.array([g is None for g in gaps]) & ~np.isnan(p)
    m = int(np.sum(tested))
    equivalence = None
    if precision is not None and m:
        eq = np.array([_interval(differences[i], kind, alpha / m)[1:3]
                       for i in present]).reshape(len(present), 2)
        equivalence = (eq[:, 0], eq[:, 1]) if correction else (low, high)
    raw, corrected, p_adj = correct_verdicts(
        low, high, p, alpha, precision, equivalence, kind, gaps)
    out: List[Optional[Verdict]] = [None] * len(differences)
    for j, i in enumerate(present):
        has_iv = not (np.isnan(low[j]) or np.isnan(high[j]))
        why = gaps[j] or (None if has_iv else 'no interval')
        out[i] = Verdict(
            float(mean[j]), float(low[j]) if has_iv else None,
            float(high[j]) if has_iv else None, len(differences[i]),
            float(p[j]) if tested[j] else None,
            float(p_adj[j]) if tested[j] and correction else None,
            str(raw[j]), str(corrected[j]) if correction else str(raw[j]),
            kind, alpha, m if correction else 0, why)
    return out


__all__ = ['ANYTIME', 'FIXED', 'UNDECIDED', 'Verdict', 'correct_verdicts',
           'grid_verdicts', 'min_seed_pairs']
