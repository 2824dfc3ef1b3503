"""The sweep's code snapshot: a copy of the package and its config tree
in the sweep folder, which the runs' configs name by a relative path and
their training runs from, so that an edited checkout changes nothing for
runs already planned; ``--refresh-code`` renews it for runs not
started."""
import os

from helpers import write_status
from helpers.sweep_specs import cpu_spec
from mmengine.config import Config

from focal_iou_mmdet.runs import code_snapshot
from focal_iou_mmdet.runs.code_snapshot import (TRAIN_SCRIPT, config_root_of,
                                                snapshot_base, snapshot_of,
                                                take_snapshot)
from focal_iou_mmdet.runs.config_lookup import config_path
from focal_iou_mmdet.sweep.plan import plan

NAME = 'retinanet_r18-c16_fpn_iou_12e_shapes.py'


def test_a_snapshot_is_taken_once(tmp_path):
    base = config_path(NAME)
    root = config_root_of(base)
    snap = take_snapshot(str(tmp_path), root)
    assert os.path.isfile(os.path.join(snap, TRAIN_SCRIPT))
    assert os.path.isfile(os.path.join(snap, 'focal_iou_mmdet',
                                       '__init__.py'))
    copied = snapshot_base(snap, root, base)
    assert open(copied).read() == open(base).read()
    stamp = os.stat(copied).st_mtime_ns
    assert take_snapshot(str(tmp_path), root) == snap
    assert os.stat(copied).st_mtime_ns == stamp
    assert not any(n.startswith('.') for n in os.listdir(
        os.path.dirname(snap)))  # no half-written copy left
    run = tmp_path / 'some_run'
    assert snapshot_of(str(run), os.path.basename(snap)) == snap
    assert snapshot_of(str(run), 'ffffffffffff') is None
    assert snapshot_of(str(run), None) is None
    assert config_root_of(str(tmp_path / 'mine.py')) is None


def _epochs(run_dir):
    return Config.fromfile(run_dir.config_file).train_cfg.max_epochs


def test_planned_runs_keep_their_snapshot_until_refreshed(tmp_path,
                                                          monkeypatch):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou']},
                    exclude=[])
    runs = plan(spec)
    started, waiting = (spec.run_dir(r.id) for r in runs[:2])
    key = started.read_info()['code']['snapshot']
    assert started.config_text().splitlines()[1].startswith(
        f"_base_ = ['../../_code/{key}/configs/")
    # the snapshot is what the run's config reads: an edit there shows,
    # the installed config is not read
    snap_base = snapshot_base(
        snapshot_of(started.path, key), config_root_of(config_path(NAME)),
        config_path(NAME))
    with open(snap_base, 'a') as f:
        f.write('train_cfg = dict(max_epochs=3)\n')
    assert _epochs(started) == 3
    # the code changes (another snapshot key): a plan keeps each run's
    # snapshot; --refresh-code moves only the run not started
    write_status(started, state='running', attempts=1)
    monkeypatch.setattr(code_snapshot, 'snapshot_key',
                        lambda root: 'newcode00000')
    plan(spec)
    assert waiting.read_info()['code']['snapshot'] == key
    plan(spec, refresh_code=True)
    assert started.read_info()['code']['snapshot'] == key
    assert waiting.read_info()['code']['snapshot'] == 'newcode00000'
    assert '_code/newcode00000/configs/' in waiting.config_text()
    assert _epochs(waiting) != 3  # a fresh copy of the installed config
