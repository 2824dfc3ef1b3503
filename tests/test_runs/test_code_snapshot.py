"""The sweep's code snapshot: a copy of the package and its config tree
in the sweep folder, which the runs' configs name by a relative path and
their training runs from, so that an edited checkout changes nothing for
runs already planned; ``--refresh-code`` renews it for runs not
started."""
import os
import shutil
import subprocess
import sys

import pytest
from helpers import ROOT, subprocess_env, write_status
from helpers.sweep_specs import cpu_spec

from focal_iou_mmdet.runs import code_snapshot
from focal_iou_mmdet.runs.code_snapshot import (TRAIN_SCRIPT, SnapshotError,
                                                config_root_of,
                                                snapshot_base, snapshot_of,
                                                take_snapshot,
                                                verify_snapshot)
from focal_iou_mmdet.runs.config_lookup import config_path
from focal_iou_mmdet.sweep.__main__ import main as sweep_main
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


def _new_code(tmp_path, monkeypatch):
    """This package, edited: the code installed now differs (another
    snapshot key)."""
    pkg = tmp_path / 'new' / 'focal_iou_mmdet'
    shutil.copytree(code_snapshot.PACKAGE_DIR, pkg,
                    ignore=shutil.ignore_patterns('__pycache__'))
    with open(pkg / 'version.py', 'a') as f:
        f.write('# edited\n')
    monkeypatch.setattr(code_snapshot, 'PACKAGE_DIR', str(pkg))


def test_planned_runs_keep_their_snapshot_until_refreshed(tmp_path,
                                                          monkeypatch):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou']},
                    exclude=[])
    runs = plan(spec)
    started, waiting = (spec.run_dir(r.id) for r in runs[:2])
    key = started.read_info()['code']['snapshot']
    assert started.config_text().splitlines()[1].startswith(
        f"_base_ = ['../../_code/{key}/configs/")
    # the snapshot is what the run's config reads, not the installed one
    snap_base = snapshot_base(
        snapshot_of(started.path, key), config_root_of(config_path(NAME)),
        config_path(NAME))
    assert open(snap_base).read() == open(config_path(NAME)).read()
    # the code changes (another snapshot key): a plan keeps each run's
    # snapshot; --refresh-code moves only the run not started
    write_status(started, state='running', attempts=1)
    _new_code(tmp_path, monkeypatch)
    plan(spec)
    assert waiting.read_info()['code']['snapshot'] == key
    plan(spec, refresh_code=True)
    new = waiting.read_info()['code']['snapshot']
    assert started.read_info()['code']['snapshot'] == key != new
    assert f'_code/{new}/configs/' in waiting.config_text()
    verify_snapshot(snapshot_of(waiting.path, new), new)


@pytest.fixture
def snapshot(tmp_path):
    code_snapshot._VERIFIED.clear()
    snap = take_snapshot(str(tmp_path), config_root_of(config_path(NAME)))
    code_snapshot._VERIFIED.clear()
    yield snap, os.path.basename(snap), str(tmp_path / 'some_run')
    code_snapshot._VERIFIED.clear()


@pytest.mark.parametrize('damage, named', [
    (lambda s: open(os.path.join(s, 'focal_iou_mmdet', 'version.py'),
                    'a').write('x = 1\n'), 'focal_iou_mmdet/version.py'),
    (lambda s: open(os.path.join(s, 'configs', 'cpu', NAME), 'a').write(
        'train_cfg = dict(max_epochs=3)\n'), f'configs/cpu/{NAME}'),
    (lambda s: open(os.path.join(s, 'focal_iou_mmdet', 'extra.py'),
                    'w').write('import os\n'), 'focal_iou_mmdet/extra.py'),
    (lambda s: os.remove(os.path.join(s, 'focal_iou_mmdet', 'version.py')),
     'focal_iou_mmdet/version.py'),
    (lambda s: open(os.path.join(s, TRAIN_SCRIPT), 'a').write('# x\n'),
     TRAIN_SCRIPT),
])
def test_a_changed_snapshot_is_refused_naming_the_files(snapshot, damage,
                                                        named):
    snap, key, run = snapshot
    damage(snap)
    with pytest.raises(SnapshotError, match=f'does not hash to its key {key}'
                       f'.*changed since it was taken: .*{named}'):
        snapshot_of(run, key)


@pytest.mark.parametrize('planted', ['torch.py', 'focal_iou_mmdet/x.so',
                                     'sitecustomize.py', 'configs/x.pyc',
                                     'focal_iou_mmdet/data.json'])
def test_a_file_no_snapshot_has_is_refused(snapshot, planted):
    snap, key, run = snapshot
    with open(os.path.join(snap, planted), 'w') as f:
        f.write('')
    with pytest.raises(SnapshotError, match=f'holds files no snapshot has: '
                       f'{planted}'):
        snapshot_of(run, key)


def test_links_and_keys_that_are_paths_are_refused(snapshot, tmp_path):
    snap, key, run = snapshot
    os.symlink(os.path.join(snap, 'focal_iou_mmdet', 'version.py'),
               os.path.join(snap, 'focal_iou_mmdet', 'v2.py'))
    with pytest.raises(SnapshotError, match='holds a symbolic link'):
        snapshot_of(run, key)
    os.remove(os.path.join(snap, 'focal_iou_mmdet', 'v2.py'))
    real = tmp_path / 'real'
    os.rename(snap, real)
    os.symlink(real, snap)
    with pytest.raises(SnapshotError, match='is a symbolic link'):
        snapshot_of(run, key)
    for bad in ('../../etc', 'ABCDEF012345', 'x' * 12):
        with pytest.raises(SnapshotError, match='not a snapshot key'):
            snapshot_of(run, bad)


def test_bytecode_is_removed_before_training(snapshot):
    snap, key, run = snapshot
    cache = os.path.join(snap, 'focal_iou_mmdet', '__pycache__')
    os.makedirs(cache)
    with open(os.path.join(cache, 'version.cpython-311.pyc'), 'wb') as f:
        f.write(b'planted')
    assert snapshot_of(run, key) == snap
    assert not os.path.exists(cache)


def test_refresh_replaces_a_damaged_snapshot(snapshot, tmp_path):
    snap, key, run = snapshot
    with open(os.path.join(snap, 'focal_iou_mmdet', 'version.py'), 'a') as f:
        f.write('x = 1\n')
    root = config_root_of(config_path(NAME))
    with pytest.raises(SnapshotError):
        take_snapshot(str(tmp_path), root)
    assert take_snapshot(str(tmp_path), root, replace_damaged=True) == snap
    code_snapshot._VERIFIED.clear()
    assert snapshot_of(run, key) == snap


def test_plan_and_dry_runs_refuse_a_damaged_snapshot(tmp_path, capsys):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou']},
                    exclude=[])
    runs = plan(spec)
    d = spec.run_dir(runs[0].id)
    key = d.read_info()['code']['snapshot']
    write_status(d, state='running', attempts=1)
    with open(os.path.join(spec.work_dir, '_code', key, 'configs', 'cpu',
                           NAME), 'a') as f:
        f.write('# edited\n')
    code_snapshot._VERIFIED.clear()
    for argv in (['plan', spec.path],
                 ['run', spec.path, '--launcher', 'slurm', '--partition',
                  'p', '--dry-run']):
        assert sweep_main(argv) == 2
        err = capsys.readouterr().err
        assert err.count('\n') == 1 and f'configs/cpu/{NAME}' in err, err
    # --refresh-code replaces it (the key is the installed code's)
    assert sweep_main(['plan', spec.path, '--refresh-code']) == 0
    code_snapshot._VERIFIED.clear()
    assert sweep_main(['plan', spec.path]) == 0


@pytest.mark.parametrize('damage', ['snapshot', 'env'])
def test_the_worker_does_not_start_a_run_it_must_refuse(tmp_path, damage):
    """Right before training: a damaged snapshot, or a run record whose
    env is outside the allow-list (a sweep folder someone sent): the run
    is failed with the reason, nothing trains."""
    spec = cpu_spec(tmp_path, axes={'loss': ['iou']}, exclude=[],
                    configs={'retinanet': NAME.replace('iou', '{loss}', 1)})
    [run] = plan(spec)
    d = spec.run_dir(run.id)
    info = d.read_info()
    if damage == 'snapshot':
        with open(os.path.join(spec.work_dir, '_code', info['code'][
                'snapshot'], 'focal_iou_mmdet', 'version.py'), 'a') as f:
            f.write('x = 1\n')
        said = 'does not hash to its key'
    else:
        info['env'] = {'XDG_CACHE_HOME': str(tmp_path)}
        d.write_info(info)
        said = 'XDG_CACHE_HOME'
    out = subprocess.run([sys.executable, '-m',
                          'focal_iou_mmdet.sweep.launchers.worker', d.path],
                         capture_output=True, text=True, timeout=300,
                         cwd=ROOT, env=subprocess_env())
    assert out.returncode == 1, out.stdout + out.stderr
    assert said in out.stdout
    status = d.read_status()
    assert status.state == 'failed' and said in status.message
    assert not os.path.exists(d.train_log)
