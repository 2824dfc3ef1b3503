"""Confidence intervals on AP differences, and the verdict that follows
from an interval (never from a point difference alone).

Across seeds: the runs of a variant and of its baseline are paired by seed
(same detector, same seed, so the same initialisation and data order); the
mean of the paired differences gets a two-sided t-interval with n - 1
degrees of freedom.  With one pair there is no interval and no verdict.
"""
import math
from dataclasses import dataclass
from typing import Optional, Sequence


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

    @property
    def has_interval(self) -> bool:
        return self.low is not None

    def verdict(self) -> str:
        """'beats' (interval above 0), 'worse' (below 0), 'no measurable
        difference' (contains 0), or why there is none."""
        if not self.has_interval:
            return 'one pair: no interval, no verdict'
        if self.low > 0:
            return 'beats'
        if self.high < 0:
            return 'worse'
        return 'no measurable difference'

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
                      what: str = 'seeds') -> Optional[Interval]:
    """Mean of paired differences with its two-sided t-interval (None for
    no pairs; no interval for one)."""
    d = [float(x) for x in diffs]
    n = len(d)
    if n == 0:
        return None
    mean = sum(d) / n
    if n < 2:
        return Interval(mean, None, None, n, what, level)
    sd = math.sqrt(sum((x - mean)**2 for x in d) / (n - 1))
    half = t_quantile(0.5 + level / 2, n - 1) * sd / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n, what, level,
                    paired_t_p_value(mean, sd, n))


def paired_t_p_value(mean: float, sd: float, n: int) -> float:
    """Two-sided p-value of the paired t-test of a zero mean difference."""
    if sd == 0:
        return 0.0 if mean != 0 else 1.0
    from scipy.stats import t
    return float(2 * t.sf(abs(mean) / (sd / math.sqrt(n)), n - 1))
