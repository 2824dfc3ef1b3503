"""A full disk during training: the run is recorded as failed with the
reason, the save that was cut short is removed, no temporary file stays
behind, and the worker says why (a real tmpfs, a real training run)."""
import glob
import os
import subprocess
import sys

import pytest
from helpers import SHAPES_RETINANET, subprocess_env, write_spec

from focal_iou_mmdet.runs import TINY_RUN_OPTIONS as TINY
from focal_iou_mmdet.sweep import load_spec
from focal_iou_mmdet.sweep.plan import plan


@pytest.fixture
def small_disk(tmp_path):
    """A 6 MiB tmpfs (skipped where it cannot be mounted: not root)."""
    mnt = tmp_path / 'disk'
    mnt.mkdir()
    out = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=6m', 'tmpfs',
                          str(mnt)], capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip(f'cannot mount a tmpfs here: {out.stderr.strip()}')
    yield mnt
    subprocess.run(['umount', '-l', str(mnt)], capture_output=True)


def _fill(mnt, leave: int):
    """Fill the disk but ``leave`` bytes."""
    st = os.statvfs(mnt)
    free = st.f_bavail * st.f_frsize
    with open(mnt / 'filler', 'wb') as f:
        f.write(b'\0' * max(0, free - leave))


@pytest.mark.slow
def test_disk_full_during_training(small_disk, tmp_path, tiny_shapes):
    spec = load_spec(write_spec(
        tmp_path / 's.yaml', name='s', work_dir=str(small_disk / 'wd'),
        configs={'retinanet': SHAPES_RETINANET}, axes={'loss': ['iou']},
        options=dict(TINY, epochs=1)))
    (run, ) = plan(spec)
    d = spec.run_dir(run.id)
    _fill(small_disk, 600 * 1024)  # the log fits, a checkpoint does not
    out = subprocess.run([sys.executable, '-m', 'focal_iou_mmdet.sweep.launchers.worker',
                          d.path], capture_output=True, text=True,
                         env=subprocess_env(OMP_NUM_THREADS='1',
                                             SHAPES_ROOT=tiny_shapes),
                         timeout=600)
    said = out.stdout + out.stderr
    assert out.returncode == 1, said
    assert 'No space left on device' in said, said
    assert 'Traceback' not in said
    st = d.read_status()
    assert st.state == 'failed', st
    assert 'No space left on device' in st.message
    assert not glob.glob(os.path.join(small_disk, '**', '*.tmp'),
                         recursive=True)
    # the cut save is gone: the next start resumes from intact files only
    assert not glob.glob(d.file('epoch_*.pth'))
