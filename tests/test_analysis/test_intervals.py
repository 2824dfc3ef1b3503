"""Confidence intervals on AP differences and the verdicts they give."""
import pytest

from focal_iou_mmdet.analysis.intervals import (Interval, paired_t_interval,
                                                t_quantile)


def test_t_interval_known_answer():
    # mean 2, sample sd 1, n 3: half width t(0.975, 2) / sqrt(3)
    iv = paired_t_interval([1.0, 2.0, 3.0])
    assert t_quantile(0.975, 2) == pytest.approx(4.302653, rel=1e-6)
    assert iv.mean == pytest.approx(2.0)
    assert iv.low == pytest.approx(2.0 - 4.302653 / 3**0.5, rel=1e-6)
    assert iv.high == pytest.approx(2.0 + 4.302653 / 3**0.5, rel=1e-6)
    assert iv.n == 3 and iv.verdict() == 'no measurable difference'
    assert iv.format() == 'ΔAP +2.0 [-0.5, +4.5] (n=3 seeds)'


@pytest.mark.parametrize('diffs,verdict', [
    ([1.0, 1.2, 0.9, 1.1], 'beats'),                  # strictly better
    ([-2.0, -1.5, -2.5], 'worse'),
    ([0.5], 'not enough data (1 seed pair; a verdict needs at least 3)'),
    ([0.1, 0.3], 'not enough data (2 seed pairs; a verdict needs at least '
     '3)'),
])
def test_verdict_follows_the_interval(diffs, verdict):
    iv = paired_t_interval(diffs)
    assert iv.verdict() == verdict
    if len(diffs) > 1:
        assert iv.low <= iv.mean <= iv.high


@pytest.mark.parametrize('diffs', [[0.0] * 5, [0.1, 0.1], [-0.1] * 3])
def test_differences_that_do_not_vary_have_no_interval(diffs):
    iv = paired_t_interval(diffs)
    assert not iv.has_interval and iv.p_value is None
    assert iv.verdict().startswith('not enough data (')


def test_a_spread_below_the_resolution_is_not_enough_data():
    iv = paired_t_interval([0.1, 0.1, 0.2, 0.1], resolution=0.1)
    assert iv.has_interval and iv.verdict() == (
        "not enough data (the differences' spread, 0.05 points, is below "
        "the metric's resolution, 0.1: noise cannot be told from "
        'rounding)')
    assert paired_t_interval([0.1, 0.1, 0.2, 0.1]).verdict() == 'beats'


def test_no_pairs_and_one_pair():
    assert paired_t_interval([]) is None
    iv = paired_t_interval([0.7])
    assert not iv.has_interval and iv.cell() == '+0.7'
    assert iv.format('mAP') == 'ΔmAP +0.7 (n=1 seed)'


def test_cell_and_level():
    iv = Interval(0.4, -0.2, 1.0, 3)
    assert iv.cell() == '+0.4 [-0.2, +1.0]'
    wider = paired_t_interval([1.0, 2.0, 3.0], level=0.99)
    narrower = paired_t_interval([1.0, 2.0, 3.0], level=0.9)
    assert wider.low < narrower.low and wider.high > narrower.high
