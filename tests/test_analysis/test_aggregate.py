"""The grid-level aggregate: its statistics, its errors, and by seeded
simulation the coverage of its 95% intervals (issue: >= 93% for 3-10
cells, 3-12 seeds, normal and t(5) noise, cells that differ)."""
import numpy as np
import pytest
from scipy import stats as st

from focal_iou_mmdet.analysis.aggregate import (IQM_TRIM, Aggregate,
                                                NotEnoughData,
                                                aggregate_arrays,
                                                aggregate_differences)
from focal_iou_mmdet.analysis.intervals import paired_t_interval

#: repetitions per simulated regime, bootstrap resamples per repetition
REPS, RESAMPLES = 1000, 400
T5_SCALE = np.sqrt(3 / 5)  # t(5) scaled to unit variance


def test_statistics_of_a_small_grid():
    cells = {'a': [1.0, 2.0, 3.0], 'b': [-1.0, 0.0, 1.0, 0.0]}
    agg = aggregate_differences(cells, resamples=2000)
    assert isinstance(agg, Aggregate) and agg.n_cells == 2
    assert agg.mean == pytest.approx((2.0 + 0.0) / 2)
    assert agg.iqm == pytest.approx(st.trim_mean([2.0, 0.0], IQM_TRIM))
    # a: 3 wins of 3; b: 1 win, 2 ties (half each), 1 loss of 4
    assert agg.p_improve == pytest.approx((1.0 + 2 / 4) / 2)
    for est, lo, hi in [(agg.mean, agg.low, agg.high),
                        (agg.iqm, agg.iqm_low, agg.iqm_high),
                        (agg.p_improve, agg.p_improve_low,
                         agg.p_improve_high)]:
        assert lo <= est <= hi
    assert 0 <= agg.p_improve_low and agg.p_improve_high <= 1
    assert 'aggregate ΔAP +1.0 [' in agg.format()
    assert '(2 cells)' in agg.format()


def test_seeded_and_deterministic():
    cells = {'a': [0.3, 0.9, -0.2], 'b': [1.1, 0.4, 0.8]}
    assert aggregate_differences(cells, seed=3) == \
        aggregate_differences(cells, seed=3)
    assert aggregate_differences(cells, seed=3) != \
        aggregate_differences(cells, seed=4)


@pytest.mark.parametrize('cells', [
    {'a': [0.5, 0.5], 'b': [1.5, 1.5]},          # two seeds a cell
    {'a': [-0.1, -0.1]},                          # the logged 0.1 ties
    {'a': [0.5, 0.5, 0.5], 'b': [0.2, 0.2, 0.2]},  # no spread
])
def test_degenerate_cells_are_not_enough_data(cells):
    with pytest.raises(NotEnoughData, match='not enough data in any cell'):
        aggregate_differences(cells)


def test_cells_without_enough_data_are_left_out_and_named():
    agg = aggregate_differences({'a': [1.0, 2.0, 3.0], 'b': [0.4, 0.4, 0.4],
                                 'c': [0.1, 0.2]})
    assert agg.n_cells == 1 and [n for n, _ in agg.left_out] == ['b', 'c']
    assert '2 left out: not enough data' in agg.format()
    below = aggregate_differences({'a': [1.0, 2.0, 3.0],
                                   'b': [0.1, 0.1, 0.2]}, resolution=0.1)
    assert [n for n, _ in below.left_out] == ['b']


@pytest.mark.parametrize('diffs', [[1.0, 2.0, 3.0], [-4.4, 7.1, 0.3, 1.2],
                                   [0.3, 0.9, -0.2, 1.5, 0.1]])
@pytest.mark.parametrize('resample_cells', [False, True])
def test_the_aggregate_of_one_cell_is_that_cells_interval(diffs,
                                                         resample_cells):
    agg = aggregate_differences({'only': diffs},
                                resample_cells=resample_cells)
    iv = paired_t_interval(diffs)
    for est, lo, hi in [(agg.mean, agg.low, agg.high),
                        (agg.iqm, agg.iqm_low, agg.iqm_high)]:
        assert (est, lo, hi) == pytest.approx((iv.mean, iv.low, iv.high))


def test_no_aggregate_is_narrower_than_its_cells_allow():
    """Random grids of 1-8 cells, 3-6 seeds: the mean's half-width is at
    least the normal interval of the mean of cell means (the cells'
    standard errors), the IQM's at least that of the cells it keeps."""
    rng = np.random.default_rng(5)
    for _ in range(60):
        k = int(rng.integers(1, 9))
        cells = {str(i): rng.normal(rng.normal(0, 1), rng.uniform(0.2, 2),
                                    int(rng.integers(3, 7)))
                 for i in range(k)}
        agg = aggregate_differences(cells, resamples=400)
        means = np.array([np.mean(v) for v in cells.values()])
        se2 = np.array([np.var(v, ddof=1) / len(v) for v in cells.values()])
        z = st.norm.ppf(0.975)
        least = z * np.sqrt(se2.sum()) / k
        assert agg.high - agg.mean >= least - 1e-12
        assert agg.mean - agg.low >= least - 1e-12
        trim = int(IQM_TRIM * k)
        kept = np.argsort(means, kind='stable')[trim:k - trim]
        least_iqm = z * np.sqrt(se2[kept].sum()) / len(kept)
        assert agg.iqm_high - agg.iqm >= least_iqm - 1e-12
        assert agg.iqm - agg.iqm_low >= least_iqm - 1e-12


def test_resampling_cells_widens_the_interval():
    rng = np.random.default_rng(0)
    cells = {str(k): rng.normal(k, 0.3, 4) for k in range(6)}
    fixed = aggregate_differences(cells)
    task = aggregate_differences(cells, resample_cells=True)
    assert task.resample_cells and not fixed.resample_cells
    assert task.high - task.low > 3 * (fixed.high - fixed.low)


@pytest.mark.parametrize('cells, match', [
    ({}, 'at least one cell'),
    ({'retinanet, shapes': [0.4]}, "retinanet, shapes: 1 seed pair"),
    ({'a': [0.4, 0.1], 'b': []}, "b: 0 seed pairs"),
    ({'a': [0.4, float('nan')]}, "cell 'a' has a non-finite"),
    ({'a': [[0.4, 0.1]]}, "cell 'a' has 2 paired difference"),
])
def test_bad_cells_are_named(cells, match):
    with pytest.raises(ValueError, match=match):
        aggregate_differences(cells)


@pytest.mark.parametrize('kwargs, match', [
    (dict(alpha=0), 'alpha'), (dict(alpha=1.5), 'alpha'),
    (dict(resamples=10), 'resamples')])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        aggregate_differences({'a': [0.1, 0.2, 0.4]}, **kwargs)


def _noise(rng, noise, shape):
    if noise == 'normal':
        return rng.standard_normal(shape)
    return rng.standard_t(5, shape) * T5_SCALE


def _p_win(mu, sd, noise):
    """P(effect + noise > 0) per cell."""
    if noise == 'normal':
        return st.norm.cdf(mu / sd)
    return st.t.cdf(mu / sd / T5_SCALE, 5)


def _hits(x, truth, **kwargs):
    """Per statistic, the share of grids whose interval holds the truth;
    ``x``: (grids, cells, seeds), ``truth``: (grids, 3)."""
    out = aggregate_arrays(list(np.moveaxis(x, 1, 0)),
                           resamples=RESAMPLES, **kwargs)
    return np.mean((out[..., 1] <= truth) & (truth <= out[..., 2]), 0)


@pytest.mark.parametrize('noise', ['normal', 't5'])
@pytest.mark.parametrize('cells, seeds', [(3, 3), (3, 12), (10, 3), (10, 12),
                                          (5, 6)])
def test_intervals_cover_the_true_value(cells, seeds, noise):
    """Cells fixed: per grid, effects N(0.5, 1) and noise sds U(0.5, 2)
    drawn once per cell; the truth is these cells' mean, IQM and
    P(improve)."""
    rng = np.random.default_rng(0)
    mu = rng.normal(0.5, 1.0, (REPS, cells))
    sd = rng.uniform(0.5, 2.0, (REPS, cells))
    x = mu[..., None] + sd[..., None] * _noise(rng, noise,
                                               (REPS, cells, seeds))
    truth = np.stack([mu.mean(-1), st.trim_mean(mu, IQM_TRIM, axis=-1),
                      _p_win(mu, sd, noise).mean(-1)], -1)
    coverage = _hits(x, truth)
    assert np.all(coverage >= 0.93), dict(zip(
        ('mean', 'iqm', 'p_improve'), coverage))


@pytest.mark.parametrize('cells, seeds', [(3, 3), (10, 12)])
def test_task_level_intervals_cover_the_population(cells, seeds):
    """``resample_cells``: cells drawn from a population (effects N(0.5,
    1), noise sd 1); the truth is the population's mean, IQM (0.5, as it is
    symmetric) and P(improve)."""
    rng = np.random.default_rng(1)
    x = rng.normal(0.5, 1.0, (REPS, cells, 1)) + rng.standard_normal(
        (REPS, cells, seeds))
    truth = np.array([0.5, 0.5, st.norm.cdf(0.5 / np.sqrt(2))])
    coverage = _hits(x, truth, resample_cells=True)
    assert np.all(coverage >= 0.93), coverage


@pytest.mark.parametrize('effect, least', [(0.0, None), (1.0, 0.7)])
def test_interval_excludes_zero_under_an_effect_only(effect, least):
    """Under the null (every cell's effect 0) the mean's interval excludes
    0 in at most 7% of grids; with an effect of one noise sd in each of 4
    cells and 3 seeds, in at least 70%."""
    rng = np.random.default_rng(2)
    x = effect + rng.standard_normal((REPS, 4, 3))
    out = aggregate_arrays(list(np.moveaxis(x, 1, 0)), resamples=RESAMPLES)
    excluded = np.mean((out[:, 0, 1] > 0) | (out[:, 0, 2] < 0))
    if least is None:
        assert excluded <= 0.07
    else:
        assert excluded >= least
