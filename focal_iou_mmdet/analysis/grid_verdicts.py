"""One verdict per comparison of a grid, raw and corrected for the grid:
the only place a verdict is made (``run --until-decided``'s stopping rule,
``seeds``, ``report`` and the quickstart all read it).

Each comparison's paired differences (one per seed) get an interval:

* fixed n: a two-sided t-interval over the seed pairs
  (:func:`.intervals.paired_t_interval`); with one pair none, and no
  verdict;
* anytime (a sweep run ``--until-decided``, whose seeds were added after
  looking): Lai's t-mixture confidence sequence (:mod:`.sequential`).

Raw verdict: ``beats``/``worse`` when the interval excludes 0,
``equivalent`` when it lies within ``±precision``, else ``no measurable
difference`` (fixed n) or ``undecided`` (anytime).

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
from typing import List, Optional, Sequence

import numpy as np

from .intervals import paired_t_interval
from .multiple_testing import holm_adjusted_array
from .sequential import raw_verdicts, running_decisions

ANYTIME, FIXED = 'anytime', 'fixed'
#: the verdict word for "not decided", per kind of interval
UNDECIDED = {ANYTIME: 'undecided', FIXED: 'no measurable difference'}
NO_INTERVAL = 'one pair: no interval, no verdict'


@dataclass(frozen=True)
class Verdict:
    """A comparison's difference, its interval and its verdicts.

    ``low``/``high`` are None where there is no interval (one pair, fixed
    n) and +-inf while an anytime interval is unbounded; ``p_adjusted`` is
    Holm's over the ``family`` comparisons (None: not corrected)."""
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

    @property
    def interval_name(self) -> str:
        """``anytime 95%`` or ``95% t``, as the tables' headers say."""
        level = f'{100 * (1 - self.alpha):.0f}%'
        return f'anytime {level}' if self.kind == ANYTIME else f'{level} t'

    @property
    def decided(self) -> bool:
        """Whether the corrected verdict is a decision (the stopping rule
        of ``run --until-decided``)."""
        return self.corrected in ('beats', 'worse', 'equivalent')

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
        if self.p_adjusted is not None:
            what = f'{self.family} comparison' + (
                's' if self.family != 1 else '')
            text += (f'; corrected for {what}: {self.corrected} '
                     f'(p_adj={self.p_adjusted:.3g})')
        return text


def correct_verdicts(low, high, p, alpha: float = 0.05,
                     precision: Optional[float] = None, equivalence=None,
                     kind: str = ANYTIME):
    """The array core, vectorised over leading axes (simulations): for
    intervals ``low``/``high`` and p-values ``p`` of shape (..., m) (NaN:
    no interval, not in the family), ``(raw, corrected, p_adjusted)``.
    ``equivalence``: ``(low, high)`` at level alpha / m, for a corrected
    ``equivalent``."""
    word = UNDECIDED[kind]
    raw = raw_verdicts(low, high, precision, word)
    p_adj = holm_adjusted_array(p)
    corrected = np.full(raw.shape, word, dtype=object)
    keep = np.isin(raw, ('beats', 'worse')) & (p_adj <= alpha)
    corrected[keep] = raw[keep]
    if precision is not None and equivalence is not None:
        eq = raw_verdicts(*equivalence, precision, word) == 'equivalent'
        corrected[eq] = 'equivalent'
    return raw, corrected, p_adj


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
                  correction: bool = True) -> List[Optional[Verdict]]:
    """One :class:`Verdict` per comparison (None for one without a seed
    pair), corrected over the comparisons that have an interval (module
    doc); ``correction=False`` leaves the raw verdicts."""
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
    stats = np.array([_interval(differences[i], kind, alpha)
                      for i in present]).reshape(len(present), 4)
    mean, low, high, p = stats.T
    m = int(np.sum(~np.isnan(p)))
    equivalence = None
    if precision is not None and m:
        eq = np.array([_interval(differences[i], kind, alpha / m)[1:3]
                       for i in present]).reshape(len(present), 2)
        equivalence = (eq[:, 0], eq[:, 1]) if correction else (low, high)
    raw, corrected, p_adj = correct_verdicts(
        low, high, p, alpha, precision, equivalence, kind)
    out: List[Optional[Verdict]] = [None] * len(differences)
    for j, i in enumerate(present):
        has_iv = not np.isnan(p[j])
        out[i] = Verdict(
            float(mean[j]), float(low[j]) if has_iv else None,
            float(high[j]) if has_iv else None, len(differences[i]),
            float(p[j]) if has_iv else None,
            float(p_adj[j]) if has_iv and correction else None,
            str(raw[j]) if has_iv else NO_INTERVAL,
            (str(corrected[j]) if correction else str(raw[j])) if has_iv
            else NO_INTERVAL, kind, alpha, m if correction else 0)
    return out


__all__ = ['ANYTIME', 'FIXED', 'NO_INTERVAL', 'UNDECIDED', 'Verdict',
           'correct_verdicts', 'grid_verdicts']
