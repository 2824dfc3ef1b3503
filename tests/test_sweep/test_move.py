"""A sweep folder that moves (scratch purged, migrated): plan and train a
tiny sweep, move its folder to another work root, then ``status``,
``run`` (nothing trained again) and ``report`` work there, and no
generated config or run record names the old place."""
import os
import shutil
import subprocess

import pytest
from helpers import SWEEP, subprocess_env, write_spec

from focal_iou_mmdet.runs import TINY_RUN_OPTIONS as TINY


def _sweep(root, *argv):
    out = subprocess.run(SWEEP + ['--work-root', str(root)] + list(argv),
                         cwd=str(root.parent), env=subprocess_env(),
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def _records(folder):
    """Generated configs and run records of a sweep folder."""
    for d, _, files in os.walk(folder):
        for f in files:
            if f in ('run.json', 'status.json') or \
                    os.path.basename(d) == 'plan':
                yield os.path.join(d, f)


@pytest.mark.slow
def test_a_moved_sweep_keeps_working(tmp_path, tiny_shapes):
    spec_path = write_spec(
        tmp_path / 'moving.yaml', name='moving',
        configs={'retinanet': 'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'},
        axes={'loss': ['iou', 'focal-iou']}, baseline={'loss': 'iou'},
        options=dict(TINY, epochs=1), env={'SHAPES_ROOT': tiny_shapes})
    old, new = tmp_path / 'scratch', tmp_path / 'new home, ü'
    _sweep(old, 'run', spec_path, '--launcher', 'local', '--jobs', '2')
    new.mkdir()
    shutil.move(str(old / 'moving'), str(new / 'moving'))
    for path in _records(new / 'moving'):
        assert str(old) not in open(path).read(), path
    status = _sweep(new, 'status', spec_path)
    assert '2 runs: 2 done' in status, status
    again = _sweep(new, 'run', spec_path, '--launcher', 'local')
    assert '2 done, 0 to run now' in again or 'nothing to run' in again, \
        again
    assert 'start ' not in again
    report = _sweep(new, 'report', spec_path)
    assert 'retinanet, focal-iou vs retinanet, iou' in report
    # the detections were found where the run folder is now
    assert 'paired bootstrap' in report, report
    assert os.path.exists(new / 'moving' / 'results.md')
