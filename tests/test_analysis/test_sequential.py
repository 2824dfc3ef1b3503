"""Anytime-valid decisions (Lai's t-mixture confidence sequence): seeded
simulations of the two guarantees -- false decisions under no difference
when looked at after every seed, and power under an effect -- and why a
plain t-interval looked at after every seed is not enough."""
import numpy as np
import pytest

from focal_iou_mmdet.analysis.intervals import paired_t_interval
from focal_iou_mmdet.analysis.sequential import (decide, fewest_seeds_to_decide,
                                                 first_decision,
                                                 sequence_path)

SIMULATIONS, SEEDS = 2000, 20


@pytest.mark.parametrize('noise', ['normal', 't5'])
def test_peeking_after_every_seed_errs_at_most_alpha(noise):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((SIMULATIONS, SEEDS)) if noise == 'normal'
         else rng.standard_t(5, (SIMULATIONS, SEEDS)))
    d = first_decision(x, alpha=0.05)
    false = np.mean(np.isin(d.verdict, ('beats', 'worse')))
    assert false <= 0.05, false


def test_an_effect_of_one_and_a_half_spreads_is_decided_within_12_seeds():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((SIMULATIONS, 12)) * 0.8 + 1.2  # 1.5 spreads
    d = first_decision(x, alpha=0.05)
    assert np.mean(d.verdict == 'beats') >= 0.80
    assert np.mean(d.verdict == 'worse') == 0
    # and a worse variant is found worse
    assert np.mean(first_decision(-x).verdict == 'worse') >= 0.80


def test_a_plain_t_interval_looked_at_after_every_seed_errs_far_more():
    """The mistake the sequential mode prevents: stop at the first seed
    where the fixed-n 95% t-interval excludes 0."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((500, SEEDS))
    peeked = np.mean([any(not (iv.low <= 0 <= iv.high) for iv in (
        paired_t_interval(row[:k]) for k in range(2, SEEDS + 1)))
        for row in x])
    assert peeked > 0.15  # far above the nominal 5%


def test_the_sequence_covers_the_mean_at_every_n():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((SIMULATIONS, SEEDS)) + 0.7
    d = decide(x)  # running intersection over n = 1..20
    assert np.mean((d.low <= 0.7) & (0.7 <= d.high)) >= 0.95
    assert np.mean(d.low <= d.high) >= 0.99  # (empty only when it errs)


def test_one_sequence_and_its_fields():
    d = decide([0.5, 1.2, 0.9, 1.4, 0.8, 1.1, 0.9])
    assert d.verdict == 'beats' and d.n == 7 and d.low > 0
    assert 0 < d.p_value < 0.05
    assert d.format().startswith('ΔAP +1.0, anytime 95% [+')
    assert decide([0.3]).verdict == 'not enough data'  # one seed
    assert np.isinf(decide([0.3]).low)


@pytest.mark.parametrize('alpha, fewest', [(0.05, 5), (0.1, 4), (0.01, 6)])
def test_nothing_is_decided_before_the_fewest_seeds(alpha, fewest):
    # differences as decisive as they come: identical up to a tiny jitter
    x = 10.0 + 1e-3 * np.random.default_rng(0).standard_normal(fewest)
    assert fewest_seeds_to_decide(alpha) == fewest
    assert decide(x[:fewest - 1], alpha).verdict == 'not enough data'
    assert np.isinf(decide(x[:fewest - 1], alpha).low)
    assert decide(x, alpha).verdict == 'beats'


def test_the_path_is_what_decide_says_at_every_n():
    x = np.random.default_rng(3).normal(1.0, 1.0, 12)
    n, mean, low, high = sequence_path(x)
    assert list(n) == list(range(1, 13))
    for k in range(1, 13):
        d = decide(x[:k])
        assert (mean[k - 1], low[k - 1], high[k - 1]) == pytest.approx(
            (d.mean, d.low, d.high))
    assert np.all(low[1:] >= low[:-1]) and np.all(high[1:] <= high[:-1])


def test_equivalent_when_the_interval_lies_within_the_precision():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(200) * 0.1
    assert decide(x, precision=0.1).verdict == 'equivalent'
    assert decide(x).verdict == 'undecided'
    assert decide(x[:3], precision=0.1).verdict == 'not enough data'
    assert decide(x[:8], precision=0.01).verdict == 'undecided'


@pytest.mark.parametrize('bad,message', [
    ([], 'non-empty'), ([0.1, float('nan')], 'finite'),
    ([[[0.1]]], 'non-empty'),
])
def test_bad_input(bad, message):
    with pytest.raises(ValueError, match=message):
        decide(bad)
    with pytest.raises(ValueError, match='alpha'):
        decide([0.1, 0.2], alpha=1.5)
