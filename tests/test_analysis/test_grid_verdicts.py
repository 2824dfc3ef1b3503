"""One verdict for a grid: Holm over the comparisons, raw and corrected.

Seeded simulations of the guarantee the stopping rule of ``run
--until-decided`` relies on: a grid of 3-10 comparisons with no true
difference, looked at after every seed, each comparison stopped at its
first *corrected* decision, makes any false decision in <= 5% of grids;
and under a real effect it decides."""
import numpy as np
import pytest

from focal_iou_mmdet.analysis.grid_verdicts import (ANYTIME, FIXED,
                                                    correct_verdicts,
                                                    grid_verdicts)
from focal_iou_mmdet.analysis.verdicts import NOT_ENOUGH
from focal_iou_mmdet.analysis.multiple_testing import holm_adjusted_array
from focal_iou_mmdet.analysis.sequential import running_decisions

GRIDS, SEEDS = 1000, 20


def _stop_at_corrected_decisions(x, alpha=0.05, correct=True):
    """The stopping rule of ``run --until-decided`` on (B, m, N) paired
    differences, vectorised: after each seed every open comparison gets its
    anytime verdict, corrected over the m (:func:`correct_verdicts`, the
    code the sweep uses); decided ones stop (their sequence is frozen),
    open ones get the next seed.  Returns the final corrected verdicts."""
    b, m, n_max = x.shape
    _, low, high, p = running_decisions(x, alpha)  # each (B, m, N)
    n = np.full((b, m), 2)  # every comparison starts with two seeds
    take = lambda a: np.take_along_axis(a, n[..., None] - 1, -1)[..., 0]  # noqa
    while True:
        raw, corrected, _ = correct_verdicts(take(low), take(high), take(p),
                                             alpha)
        verdict = corrected if correct else raw
        open_ = (verdict == 'undecided') & (n < n_max)
        if not open_.any():
            return verdict
        n = n + open_


@pytest.mark.parametrize('m', [3, 5, 10])
@pytest.mark.parametrize('noise', ['normal', 't5'])
def test_a_null_grid_looked_at_after_every_seed_errs_at_most_alpha(m, noise):
    rng = np.random.default_rng(m)
    shape = (GRIDS, m, SEEDS)
    x = (rng.standard_normal(shape) if noise == 'normal'
         else rng.standard_t(5, shape))
    verdict = _stop_at_corrected_decisions(x)
    family_wise = np.mean((verdict != 'undecided').any(axis=1))
    assert family_wise <= 0.05, family_wise


def test_without_the_correction_a_null_grid_errs_far_more():
    """What the correction is for: ten comparisons each stopped at its own
    uncorrected decision make a false one in many more grids."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((GRIDS, 10, SEEDS))
    raw = _stop_at_corrected_decisions(x, correct=False)
    corrected = _stop_at_corrected_decisions(x)
    raw_rate = np.mean((raw != 'undecided').any(axis=1))
    assert raw_rate > 2 * np.mean((corrected != 'undecided').any(axis=1))
    assert raw_rate > 0.05


def test_a_grid_with_real_effects_is_decided():
    """Three comparisons, each ahead by 1.5 spreads: the corrected rule
    still finds (almost) all of them within 20 seeds, and never the wrong
    way."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((GRIDS, 3, SEEDS)) * 0.8 + 1.2
    verdict = _stop_at_corrected_decisions(x)
    assert np.mean(verdict == 'beats') >= 0.85
    assert not np.any(verdict == 'worse')


def _holm_by_hand(p):
    """Holm's step-down adjustment, written out (S. Holm 1979)."""
    present = [(v, i) for i, v in enumerate(p) if not np.isnan(v)]
    m, out, running = len(present), [np.nan] * len(p), 0.0
    for rank, (v, i) in enumerate(sorted(present)):
        running = max(running, min(1.0, (m - rank) * v))
        out[i] = running
    return out


def test_holm_vectorised_equals_holm_by_hand():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=(50, 6)) ** 3
    p[::7, 2] = np.nan
    for row, adj in zip(p, holm_adjusted_array(p)):
        assert _holm_by_hand(row) == pytest.approx(list(adj), nan_ok=True)
    assert list(holm_adjusted_array([0.01, 0.04, 0.03])) == pytest.approx(
        [0.03, 0.06, 0.06])


@pytest.mark.parametrize('kind', [ANYTIME, FIXED])
def test_a_decision_that_does_not_survive_the_grid_is_undecided(kind):
    # three comparisons, each just beyond 0 alone (p ~ 0.03-0.05)
    diffs = [[1.0, 0.1, 1.6, 0.4, 0.9, 0.7, 0.8, 1.1],
             [1.2, -0.1, 1.5, 0.5, 0.9, 0.6, 0.9, 0.8],
             [0.9, 0.3, 1.2, 0.2, 1.0, 0.8, 0.4, 1.3]]
    if kind == ANYTIME:  # the anytime sequence needs a longer run
        diffs = [d * 3 for d in diffs]
    alone = [grid_verdicts([d], kind)[0] for d in diffs]
    grid = grid_verdicts(diffs, kind)
    assert all(v.family == 3 for v in grid)
    for one, v in zip(alone, grid):
        assert v.raw == one.raw and v.p_value == pytest.approx(one.p_value)
        assert v.p_adjusted >= v.p_value
        assert v.decided == (v.corrected in ('beats', 'worse'))
        if v.p_adjusted > 0.05:
            assert v.corrected in ('undecided', 'no measurable difference')


def test_too_few_pairs_are_not_enough_data_and_not_in_the_family():
    one, two, three, none = grid_verdicts(
        [[0.5], [0.4, 0.6], [0.4, 0.6, 0.5], []], FIXED)
    assert one.raw == one.corrected == NOT_ENOUGH and one.low is None
    assert one.p_value is None and one.p_adjusted is None
    assert two.raw == NOT_ENOUGH and two.low is not None  # shown, not used
    assert two.p_value is None and three.family == 1 and none is None
    assert one.format() == (f'ΔAP +0.5 (n=1 seed): {NOT_ENOUGH} (1 seed '
                            'pair; a verdict needs at least 3)')


def test_equivalence_is_corrected_at_alpha_over_m():
    # tight differences around 0: equivalent alone within ±0.5 points
    tight = [0.05, -0.04, 0.02, -0.01, 0.03, -0.02, 0.01, 0.0, -0.03, 0.02]
    [alone] = grid_verdicts([tight], ANYTIME, precision=0.5)
    assert alone.raw == alone.corrected == 'equivalent'
    [narrow] = grid_verdicts([tight], ANYTIME, precision=0.02)
    assert narrow.corrected == 'undecided'
    # in a grid of 20 the interval at alpha / 20 is wider ([-0.058,
    # +0.064] against [-0.032, +0.038] alone): within ±0.05 the comparison
    # is equivalent alone, but not once corrected for the grid
    [alone] = grid_verdicts([tight], ANYTIME, precision=0.05)
    grid = grid_verdicts([tight] * 20, ANYTIME, precision=0.05)
    assert alone.corrected == 'equivalent'
    assert all(v.raw == 'equivalent' and v.corrected == 'undecided'
               for v in grid)


def test_the_format_says_interval_raw_and_corrected():
    v = grid_verdicts([[3, 3.2, 2.9, 3.1, 3], [0, 0.1, -0.1, 0.2, 0]],
                      FIXED)[0]
    assert v.format().startswith('ΔAP +3.0, 95% t [+2.9, +3.2] (n=5 seeds, '
                                 'p=')
    assert v.format().endswith('): beats; corrected for 2 comparisons: '
                               f'beats (p_adj={v.p_adjusted:.3g})')
    assert v.interval_name == '95% t'
    [a] = grid_verdicts([[1, 2]], ANYTIME)
    assert a.interval_name == 'anytime 95%' and a.cell().endswith(
        '[-inf, +inf]')
