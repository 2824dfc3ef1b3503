"""Fast versions of the simulation, gradient and benchmark tools."""
import csv
import importlib
import os
import sys

import pytest
from helpers import ROOT

from focal_iou_mmdet.analysis.simulation import (first_below, make_cases,
                                                 run_simulation)


def test_simulation_cases_follow_the_protocol():
    anchors, targets, centres = make_cases(points=10)
    assert anchors.shape == targets.shape == (10 * 7 * 7 * 7, 4)
    d = ((centres - 10)**2).sum(-1).sqrt()
    assert (d <= 3).all()
    areas = (targets[:, 2] * targets[:, 3]).unique()
    assert areas.allclose(areas.new_ones(1))  # targets: area 1
    ratios = sorted({round(float(r), 3)
                     for r in anchors[:, 2] / anchors[:, 3]})
    assert ratios == [0.25, 0.333, 0.5, 1.0, 2.0, 3.0, 4.0]
    assert len({round(float(a), 2)
                for a in anchors[:, 2] * anchors[:, 3]}) == 7


@pytest.mark.parametrize('gradients', ['paper', 'autograd'])
def test_compiled_simulation_matches_eager(gradients):
    """The compiled step (the full run's default) follows the same curve."""
    eager = run_simulation(['focal-ciou'], points=20, iters=12,
                           progress=False, compile=False,
                           gradients=gradients)
    fused = run_simulation(['focal-ciou'], points=20, iters=12,
                           progress=False, compile=True, gradients=gradients)
    assert fused['focal-ciou']['errors'] == pytest.approx(
        eager['focal-ciou']['errors'], rel=1e-4)


# the DIoU paper's published totals (its figure; its hand-written
# gradients) at iterations 50, 160 and 200
PUBLISHED = {'iou': (6.0e6, 5.9e6, 5.9e6), 'giou': (3.3e6, 1.9e6, 1.5e6),
             'diou': (5.3e5, 4.0e5, 4e3), 'ciou': (4.3e5, 3.9e5, 4e3)}


def test_paper_gradients_reproduce_the_published_totals():
    """On 40 of the 5,000 anchor centres (13,720 cases), scaled by 125,
    every base loss is within x1.5 of the published total at 50, 160 and
    200 (the full run is in the README); IoU stalls, DIoU/CIoU converge."""
    res = run_simulation(list(PUBLISHED), points=40, progress=False,
                         compile=False)
    for name, published in PUBLISHED.items():
        errors = res[name]['errors']
        for k, want in zip((50, 160, 200), published):
            got = errors[k] * 5000 / 40
            assert want / 1.5 <= got <= want * 1.5, (name, k, got, want)
    assert first_below(res['iou']['errors']) is None
    assert first_below(res['ciou']['errors']) is not None
    # the autograd path does not reproduce them (GIoU ends far lower)
    auto = run_simulation(['giou'], points=40, progress=False,
                          gradients='autograd', compile=False)
    assert auto['giou']['errors'][200] * 125 < 1.5e6 / 1.5


@pytest.mark.parametrize('variant,low,scale', [('iou', 0.0, 2.477),
                                               ('diou', -1.0, 3.088),
                                               ('ciou', -2.0, 3.3)])
def test_focal_multiplier_readings(variant, low, scale):
    """Reading (a) is -dL/dV of L = s (1 - a c)^2 (1 - V) (autograd's);
    reading (b) is the focal factor alone."""
    import torch

    from focal_iou_mmdet.analysis.paper_gradients import focal_multiplier
    v = torch.linspace(low + 0.01, 0.99, 7, dtype=torch.float64,
                       requires_grad=True)
    c = (v - low) / (1 - low)
    loss = scale * (1 - 0.5 * c)**2 * (1 - v)
    (grad, ) = torch.autograd.grad(loss.sum(), v)
    full = focal_multiplier(v.detach(), variant, scale, reading='full')
    torch.testing.assert_close(full, -grad)
    weight = focal_multiplier(v.detach(), variant, scale, reading='weight')
    torch.testing.assert_close(weight, scale * (1 - 0.5 * c.detach())**2)


def _tool(name, folder='analysis_tools'):
    """A tool's module, run in-process (its main() is what the command
    line calls)."""
    sys.path.insert(0, os.path.join(ROOT, 'tools', folder))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


def test_simulate_tool_writes_csv_and_png(tmp_path, capsys):
    _tool('simulate_regression').main(
        ['--points', '20', '--iters', '30', '--losses', 'iou', 'focal-diou',
         '--out-dir', str(tmp_path)])
    stdout = capsys.readouterr().out
    rows = list(csv.reader(open(tmp_path / 'errors.csv')))
    assert rows[0] == ['iteration', 'iou', 'focal-diou'] and len(rows) == 32
    assert (tmp_path / 'simulation.png').read_bytes()[:4] == b'\x89PNG'
    assert (tmp_path / 'per_anchor_error.png').read_bytes()[:4] == \
        b'\x89PNG'
    assert 'it 10' in stdout and '<10% at' in stdout
    assert 'paper gradients (focal reading: full)' in stdout


def test_gradient_tool_shows_focal_rescaling(tmp_path):
    _tool('analyze_gradients').main(['--out-dir', str(tmp_path)])
    assert (tmp_path / 'gradients.png').read_bytes()[:4] == b'\x89PNG'
    rows = [r for r in csv.DictReader(open(tmp_path / 'gradients.csv'))
            if r['base'] == 'iou' and float(r['iou']) > 0.01]
    assert len(rows) > 50
    # Focal-IoU: L = s (1 - c/2)^2 (1 - c), c = IoU, so the gradient is the
    # plain one times |dL/dc| = s (1 - c/2)(2 - 3c/2): 2s at IoU 0, s/4 at 1
    for r in rows:
        c = float(r['iou'])
        expected = 2.477 * (1 - c / 2) * (2 - 1.5 * c)
        assert float(r['grad_ratio']) == pytest.approx(expected, rel=1e-3)
    lo = min(rows, key=lambda r: float(r['iou']))
    hi = max(rows, key=lambda r: float(r['iou']))
    assert float(lo['grad_ratio']) > 4.5 > 1.5 > float(hi['grad_ratio'])


def test_benchmark_tool_small():
    benchmark_loss = _tool('benchmark_loss', 'benchmarks')
    # the fused rows compile (seconds); FocalIoULoss(fused=True) itself is
    # tested in test_focal_iou_loss.py
    rows = benchmark_loss.main(['--sizes', '1000', '--repeats', '2',
                                '--no-fused'])
    mmdet_rows = [r for r in rows if r['loss'].startswith('mmdet')]
    assert len(mmdet_rows) == 4
    assert all(r['time_ratio'] == 1.0 for r in mmdet_rows)
    assert all(r['ms'] > 0 and r['mem'] > 0 for r in rows)
    assert any(r['loss'] == 'ours focal-ciou' for r in rows)
    assert not any(r['loss'].endswith(' fused') for r in rows)
