"""Confidence intervals on AP differences, and the verdict that follows
from an interval (never from a point difference alone).

Across seeds: the runs of a variant and of its baseline are paired by seed
(same detector, same seed, so the same initialisation and data order); the
mean of the paired differences gets a two-sided t-interval with n - 1
degrees of freedom.  With one pair, or differences that do not vary,
there is no interval; the verdict is :mod:`.verdicts`' (its
minimum-evidence rule first).
"""
import math
from dataclasses import dataclass
from typing import Optional, Sequence

from .verdicts import (FIXED, MIN_SEED_PAIRS, evidence_gap, is_zero_spread,
                       verdict_words)


@dataclass(frozen=True)
class Interval:
    """A difference (percent points) with its confidence interval."""
    mean: float
    low: Optional[float]
    high: Optional[float]
    n: int
    what: str = 'seeds'      # what n counts
    level: float = 0.95
    #: two-sided p-value of a zero difference (paired t-test), if any
    p_value: Optional[float] = None
    #: why these differences are not enough data for a verdict (None:
    #: they are; :func:`.verdicts.evidence_gap`)
    evidence_gap: Optional[str] = None

    @property
    def has_interval(self) -> bool:
        return self.low is not None

    def verdict(self) -> str:
        """The interval's word (:func:`.verdicts.verdict_words`): beats,
        worse, no measurable difference, or not enough data (why)."""
        nan = float('nan')
        word = str(verdict_words(
            [nan if self.low is None else self.low],
            [nan if self.high is None else self.high], None, FIXED,
            [self.evidence_gap])[0])
        why = self.evidence_gap or ('no interval' if not self.has_interval
                                    else None)
        return f'{word} ({why})' if why else word

    def format(self, metric: str = 'AP') -> str:
        """``ΔAP +0.4 [-0.2, +1.0] (n=3 seeds)``."""
        text = f'Δ{metric} {self.mean:+.1f}'
        if self.has_interval:
            text += f' [{self.low:+.1f}, {self.high:+.1f}]'
        unit = self.what if self.n != 1 else self.what.rstrip('s')
        return text + f' (n={self.n} {unit})'

    def cell(self) -> str:
        """The table cell: ``+0.4 [-0.2, +1.0]`` (``+0.4`` without an
        interval)."""
        if not self.has_interval:
            return f'{self.mean:+.1f}'
        return f'{self.mean:+.1f} [{self.low:+.1f}, {self.high:+.1f}]'


def t_quantile(p: float, df: int) -> float:
    """The p-quantile of Student's t with ``df`` degrees of freedom."""
    from scipy.stats import t
    return float(t.ppf(p, df))


def paired_t_interval(diffs: Sequence[float], level: float = 0.95,
                      what: str = 'seeds', resolution: float = 0.0,
                      min_pairs: int = MIN_SEED_PAIRS
                      ) -> Optional[Interval]:
    """Mean of paired differences with its two-sided t-interval (None for
    no pairs; no interval for one, or for differences that do not vary);
    ``evidence_gap`` says why they are not enough data for a verdict
    (``resolution``: the metric's, :mod:`.verdicts`)."""
    d = [float(x) for x in diffs]
    n = len(d)
    if n == 0:
        return None
    mean = sum(d) / n
    gap = evidence_gap(d, resolution, min_pairs)
    sd = math.sqrt(sum((x - mean)**2 for x in d) / (n - 1)) if n > 1 else 0.
    if is_zero_spread(sd, d):
        return Interval(mean, None, None, n, what, level, None, gap)
    half = t_quantile(0.5 + level / 2, n - 1) * sd / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n, what, level,
                    paired_t_p_value(mean, sd, n), gap)


def paired_t_p_value(mean: float, sd: float, n: int) -> Optional[float]:
    """Two-sided p-value of the paired t-test of a zero mean difference
    (None where the differences do not vary: no test)."""
    if sd == 0 or n < 2:
        return None
    from scipy.stats import t
    return float(2 * t.sf(abs(mean) / (sd / math.sqrt(n)), n - 1))
