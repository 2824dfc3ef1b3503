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
    ([0.0, 0.0, 0.0], 'no measurable difference'),   # identical runs
    ([1.0, 1.2, 0.9, 1.1], 'beats'),                  # strictly better
    ([-2.0, -1.5, -2.5], 'worse'),
    ([0.5], 'one pair: no interval, no verdict'),
])
def test_verdict_follows_the_interval(diffs, verdict):
    iv = paired_t_interval(diffs)
    assert iv.verdict() == verdict
    if len(diffs) > 1:
        assert iv.low <= iv.mean <= iv.high


def test_identical_runs_give_a_tight_interval_around_zero():
    iv = paired_t_interval([0.0] * 5)
    assert iv.low == iv.high == 0.0


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
