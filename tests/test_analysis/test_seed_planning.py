"""Seed planning gives the exact figure or says that it is beyond its
search, and refuses arguments outside their range."""
import math

import pytest
from scipy.stats import norm

from focal_iou_mmdet.analysis.seed_planning import (MOST_SEEDS,
                                                    fixed_seeds_needed,
                                                    paired_t_power,
                                                    sequential_plan)


@pytest.mark.parametrize('delta, sigma', [(1.0, 1.0), (0.5, 0.76),
                                          (0.01, 1.0), (0.3, 2.0)])
def test_fixed_n_is_the_smallest_n_with_the_power(delta, sigma):
    n = fixed_seeds_needed(delta, sigma, 0.8)
    assert paired_t_power(n, delta, sigma) >= 0.8
    assert n == 2 or paired_t_power(n - 1, delta, sigma) < 0.8
    # large n: the normal approximation ((z_a/2 + z_b) sigma / delta)^2
    approx = ((norm.ppf(0.975) + norm.ppf(0.8)) * sigma / delta) ** 2
    assert n == pytest.approx(approx, rel=0.1, abs=3)


def test_a_tiny_difference_is_not_capped_silently():
    # delta 0.01 at sigma 1: about 78,500 seeds, not a cap of 10,000
    assert 78_000 < fixed_seeds_needed(0.01, 1.0) < 79_000
    assert fixed_seeds_needed(1e-4, 1.0) is None  # beyond MOST_SEEDS
    assert MOST_SEEDS < math.inf


@pytest.mark.parametrize('kwargs, message', [
    (dict(power=1.5), 'power must be in (0, 1), got 1.5'),
    (dict(power=0), 'power must be in (0, 1), got 0'),
    (dict(alpha=1.0), 'alpha must be in (0, 1)'),
    (dict(delta=-1.0), 'delta must be a number > 0'),
    (dict(sigma=float('nan')), 'sigma must be a number > 0'),
])
def test_arguments_out_of_range_are_refused(kwargs, message):
    args = dict(delta=0.5, sigma=1.0, power=0.8, alpha=0.05)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message.replace('(', r'\(')
                       .replace(')', r'\)')):
        fixed_seeds_needed(**args)


@pytest.mark.parametrize('max_seeds', [0, -5, 2.5])
def test_the_sequential_plan_needs_at_least_one_seed(max_seeds):
    with pytest.raises(ValueError, match='max_seeds must be an integer'):
        sequential_plan(0.5, 1.0, max_seeds)
    assert sequential_plan(0.5, 1.0, 1, simulations=50).max_seeds == 1
