"""The report's figures stay readable at any sweep size and never drop
the baseline every other label is read against."""
import pytest

from focal_iou_mmdet.analysis.plots import (MAX_LABELS, MAX_PANELS,
                                            limit_panels)


def _panel(n):
    # label k scores k: the baseline 'g0' is the worst of all
    return [(f'g{k}', k) for k in range(n)]


@pytest.mark.parametrize('n', [1, MAX_LABELS, MAX_LABELS + 1, 40])
def test_the_baseline_stays_whatever_its_rank(n):
    panels, notes = limit_panels({'retinanet': _panel(n)},
                                 key=lambda g: g[1], keep={'g0'})
    shown = [label for label, _ in panels['retinanet']]
    assert shown[0] == 'g0' and len(shown) == min(n, MAX_LABELS)
    if n > MAX_LABELS:
        # the best of the rest, in the panel's order
        assert shown[1:] == [f'g{k}' for k in range(n - MAX_LABELS + 1, n)]
        assert notes == [f'retinanet: the baseline and the best '
                         f'{MAX_LABELS - 1} of {n - 1}']
    else:
        assert notes == []


def test_without_a_baseline_the_best_are_shown():
    panels, notes = limit_panels({'retinanet': _panel(20)},
                                 key=lambda g: g[1])
    assert [g for g, _ in panels['retinanet']] == [
        f'g{k}' for k in range(20 - MAX_LABELS, 20)]
    assert notes == [f'retinanet: the best {MAX_LABELS} of 20']


def test_at_most_max_panels_detectors():
    panels, notes = limit_panels({f'det{k}': _panel(2)
                                  for k in range(MAX_PANELS + 3)},
                                 key=lambda g: g[1])
    assert len(panels) == MAX_PANELS
    assert notes == [f'{MAX_PANELS} of {MAX_PANELS + 3} detectors']
