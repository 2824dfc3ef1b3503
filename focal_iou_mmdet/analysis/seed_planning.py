"""How many seeds a comparison needs, from the spread of its paired
differences (a pilot, or a published figure).

* Fixed n: the smallest n whose two-sided paired t-test at ``alpha``
  detects a true difference ``delta`` with probability ``power``
  (noncentral t; e.g. Cohen, *Statistical Power Analysis for the
  Behavioral Sciences*, 1988, ch. 2).
* Sequential (:mod:`.sequential`): the expected number of seeds the
  anytime-valid mode spends before it decides when the true difference is
  ``delta``, and how often it decides within ``max_seeds``, by a seeded
  simulation of normal differences.
"""
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .sequential import first_decision
from .verdicts import DECISIONS, MIN_SEED_PAIRS


def paired_t_power(n: int, delta: float, sigma: float,
                   alpha: float = 0.05) -> float:
    """Power of the two-sided paired t-test with ``n`` pairs."""
    from scipy.stats import nct, t
    df = n - 1
    crit = t.ppf(1 - alpha / 2, df)
    nc = delta / sigma * np.sqrt(n)
    return float(1 - nct.cdf(crit, df, nc) + nct.cdf(-crit, df, nc))


#: the largest seed count :func:`fixed_seeds_needed` searches
MOST_SEEDS = 10_000_000


def _check_power_args(delta: float, sigma: float, power: float,
                      alpha: float) -> None:
    for name, value, ok in (('delta', delta, delta > 0),
                            ('sigma', sigma, sigma > 0)):
        if not ok or not np.isfinite(value):
            raise ValueError(f'{name} must be a number > 0, got {value!r}')
    for name, value in (('power', power), ('alpha', alpha)):
        if not 0 < value < 1:
            raise ValueError(f'{name} must be in (0, 1), got {value!r}')


def fixed_seeds_needed(delta: float, sigma: float, power: float = 0.8,
                       alpha: float = 0.05, most: int = MOST_SEEDS
                       ) -> Optional[int]:
    """The smallest n >= :data:`.verdicts.MIN_SEED_PAIRS` (fewer never
    give a verdict) with :func:`paired_t_power` >= ``power`` (exact: power
    grows with n, so a doubling then a bisection finds it); None when even
    ``most`` seeds are not enough."""
    _check_power_args(delta, sigma, power, alpha)
    enough = lambda n: paired_t_power(n, delta, sigma, alpha) >= power  # noqa
    if enough(MIN_SEED_PAIRS):
        return MIN_SEED_PAIRS
    low, high = MIN_SEED_PAIRS, 2 * MIN_SEED_PAIRS  # enough(low) is False
    while not enough(high):
        if high >= most:
            return None
        low, high = high, min(2 * high, most)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if enough(mid) else (mid, high)
    return high


@dataclass(frozen=True)
class SequentialPlan:
    expected_seeds: float     # mean seeds spent (decided or at max_seeds)
    decided_share: float      # share decided within max_seeds
    max_seeds: int


def sequential_plan(delta: float, sigma: float, max_seeds: int = 50,
                    alpha: float = 0.05, simulations: int = 2000,
                    seed: int = 0) -> SequentialPlan:
    """Seeds the sequential mode spends when the true difference is
    ``delta`` and the spread ``sigma`` (seeded simulation)."""
    _check_power_args(delta, sigma, 0.5, alpha)
    if not (isinstance(max_seeds, (int, np.integer)) and max_seeds >= 1):
        raise ValueError(f'max_seeds must be an integer >= 1, got '
                         f'{max_seeds!r}')
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((simulations, max_seeds)) * sigma + delta
    d = first_decision(x, alpha)
    decided = np.isin(d.verdict, DECISIONS)
    return SequentialPlan(float(np.mean(d.n)), float(np.mean(decided)),
                          max_seeds)


__all__ = ['MOST_SEEDS', 'paired_t_power', 'fixed_seeds_needed', 'SequentialPlan',
           'sequential_plan']
