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

import numpy as np

from .sequential import first_decision


def paired_t_power(n: int, delta: float, sigma: float,
                   alpha: float = 0.05) -> float:
    """Power of the two-sided paired t-test with ``n`` pairs."""
    from scipy.stats import nct, t
    df = n - 1
    crit = t.ppf(1 - alpha / 2, df)
    nc = delta / sigma * np.sqrt(n)
    return float(1 - nct.cdf(crit, df, nc) + nct.cdf(-crit, df, nc))


def fixed_seeds_needed(delta: float, sigma: float, power: float = 0.8,
                       alpha: float = 0.05, most: int = 10000) -> int:
    """The smallest n >= 2 with :func:`paired_t_power` >= ``power``."""
    if not (delta > 0 and sigma > 0):
        raise ValueError(f'delta and sigma must be > 0, got {delta!r}, '
                         f'{sigma!r}')
    n = 2
    while paired_t_power(n, delta, sigma, alpha) < power:
        n += 1
        if n > most:
            return most
    return n


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
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((simulations, max_seeds)) * sigma + delta
    d = first_decision(x, alpha)
    decided = d.verdict != 'undecided'
    return SequentialPlan(float(np.mean(d.n)), float(np.mean(decided)),
                          max_seeds)


__all__ = ['paired_t_power', 'fixed_seeds_needed', 'SequentialPlan',
           'sequential_plan']
