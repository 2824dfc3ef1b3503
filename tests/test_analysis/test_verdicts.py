"""The one verdict function and its minimum-evidence rule.

Seeded simulations of the rule on the data it is for: COCO AP logged to
0.1 point (each run's AP rounded), 2-3 seeds a comparison, no true
difference and a +1 AP one.  Under the null no path decides more often
than alpha, and two identical differences never decide."""
import numpy as np
import pytest

from focal_iou_mmdet.analysis.aggregate import (NotEnoughData,
                                                aggregate_differences)
from focal_iou_mmdet.analysis.grid_verdicts import (ANYTIME, FIXED,
                                                    grid_verdicts)
from focal_iou_mmdet.analysis.intervals import paired_t_interval
from focal_iou_mmdet.analysis.sequential import decide
from focal_iou_mmdet.analysis.verdicts import (LOGGED_RESOLUTION,
                                               MIN_SEED_PAIRS, NOT_ENOUGH,
                                               claim_word, evidence_gap,
                                               evidence_gaps, verdict_words)

SIMULATIONS = 4000
DECISIONS = ('beats', 'worse')


@pytest.mark.parametrize('diffs, resolution, why', [
    ([], 0.0, '0 seed pairs; a verdict needs at least 3'),
    ([0.4], 0.0, '1 seed pair; a verdict needs at least 3'),
    ([0.1, 0.1], 0.0, '2 seed pairs; a verdict needs at least 3'),
    ([0.1, 0.1, 0.1], 0.0, 'the differences do not vary (spread 0)'),
    ([30.1 - 30.0, 30.2 - 30.1, 30.3 - 30.2], 0.1, 'do not vary'),  # round-off
    ([0.1, 0.2, 0.1], 0.1, 'is below the metric\'s resolution, 0.1'),
    ([0.0, 0.1, 0.2], 0.1, None),
    ([0.1, 0.2, 0.1], 0.0, None),
])
def test_evidence_gap(diffs, resolution, why):
    gap = evidence_gap(diffs, resolution)
    if why is None:
        assert gap is None
    else:
        assert why in gap


def test_the_gaps_of_a_batch_are_those_of_each_row():
    x = np.array([[0.1, 0.1, 0.1], [0.1, 0.5, 0.3], [0.2, 0.2, 0.3]])
    gaps = evidence_gaps(x, 0.1)
    assert [g is None for g in gaps] == [False, True, False]
    assert list(gaps) == [evidence_gap(row, 0.1) for row in x]


def test_verdict_words():
    words = verdict_words([0.2, -3, -1, np.nan, 0.2], [1, -1, 1, np.nan, 1],
                          kind=FIXED, gaps=[None, None, None, None, 'few'])
    assert list(words) == ['beats', 'worse', 'no measurable difference',
                           NOT_ENOUGH, NOT_ENOUGH]
    assert verdict_words([-0.2], [0.3], precision=0.5, kind=ANYTIME)[0] == \
        'equivalent'
    assert [claim_word(w) for w in ('beats', 'worse', 'undecided',
                                    NOT_ENOUGH)] == [
        'supported', 'contradicted', 'not shown', NOT_ENOUGH]


@pytest.mark.parametrize('kind', [FIXED, ANYTIME])
@pytest.mark.parametrize('diffs', [[0.1, 0.1], [-0.1, -0.1], [0.1] * 3,
                                   [2.0] * 6, [0.1, 0.1, 0.2, 0.1]])
def test_identical_or_flat_differences_never_decide(kind, diffs):
    [v] = grid_verdicts([diffs], kind, resolution=LOGGED_RESOLUTION)
    assert v.raw == v.corrected == NOT_ENOUGH and v.why
    assert v.p_value is None and v.family == 0
    assert NOT_ENOUGH in v.format()


def test_every_path_says_not_enough_data_on_the_issues_cases():
    """The degenerate inputs the tool once decided: a t-interval, the
    anytime sequence, and the aggregate."""
    iv = paired_t_interval([0.1, 0.1])
    assert iv.low is None and iv.p_value is None
    assert iv.verdict().startswith(NOT_ENOUGH)
    assert decide([0.1, 0.1]).verdict == NOT_ENOUGH
    assert decide([0.5] * 8).verdict == NOT_ENOUGH
    with pytest.raises(NotEnoughData):
        aggregate_differences({'a': [-0.1, -0.1]})


def _quantised_grid(rng, effect, seeds, noise=0.5):
    """(SIMULATIONS, seeds) paired differences of AP logged to 0.1 point:
    each run's AP is the truth plus seed noise, rounded."""
    base = 30.0 + rng.normal(0, noise, (SIMULATIONS, seeds))
    variant = 30.0 + effect + rng.normal(0, noise, (SIMULATIONS, seeds))
    return np.round(variant, 1) - np.round(base, 1)


@pytest.mark.parametrize('seeds', [2, 3])
@pytest.mark.parametrize('noise', [0.05, 0.3, 1.0])
def test_quantised_null_errs_at_most_alpha(seeds, noise):
    rng = np.random.default_rng(seeds * 10 + int(noise * 100))
    x = _quantised_grid(rng, 0.0, seeds, noise)
    verdicts = [v.raw for v in grid_verdicts(
        list(x), FIXED, correction=False, resolution=LOGGED_RESOLUTION)]
    assert np.mean(np.isin(verdicts, DECISIONS)) <= 0.05
    if seeds < MIN_SEED_PAIRS:
        assert set(verdicts) == {NOT_ENOUGH}
    ties = [v for v, row in zip(verdicts, x) if np.ptp(row) == 0]
    assert ties and set(ties) == {NOT_ENOUGH}


def test_quantised_effect_of_one_point_is_found_with_three_seeds():
    rng = np.random.default_rng(11)
    x = _quantised_grid(rng, 1.0, 3, noise=0.3)
    verdicts = np.array([v.raw for v in grid_verdicts(
        list(x), FIXED, correction=False, resolution=LOGGED_RESOLUTION)])
    assert np.mean(verdicts == 'beats') >= 0.4
    assert not np.any(verdicts == 'worse')


def test_quantised_null_aggregate_errs_at_most_alpha():
    """The aggregate of 3 quantised cells of 3 seeds: its interval excludes
    0 in at most alpha of null grids (fewer repetitions: it bootstraps)."""
    rng = np.random.default_rng(4)
    hits = decided = 0
    for _ in range(300):
        cells = {str(c): _quantised_grid(rng, 0.0, 3, 0.4)[0]
                 for c in range(3)}
        try:
            agg = aggregate_differences(cells, resamples=300,
                                        resolution=LOGGED_RESOLUTION)
        except NotEnoughData:
            continue
        decided += 1
        hits += agg.verdict in DECISIONS
    assert decided > 200 and hits / decided <= 0.05
