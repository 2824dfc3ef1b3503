"""The local launcher for real: a sweep killed and restarted resumes
without training a finished run twice."""
import csv
import os
import re
import shutil
import signal
import subprocess
import time

import pytest
import yaml
from helpers import SWEEP, attempts_of, subprocess_env, write_spec

from focal_iou_mmdet.runs import TINY_RUN_OPTIONS as TINY
from focal_iou_mmdet.runs import RunDir
from focal_iou_mmdet.sweep import expand, load_spec
from focal_iou_mmdet.sweep.observe.status_view import status_table
from focal_iou_mmdet.utils.devices import cpu_model


def _wait_for_checkpoint(run_dir, epoch, proc=None, timeout=300):
    last = run_dir.file(RunDir.LAST_CHECKPOINT)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(last) and open(last).read().strip().endswith(
                f'epoch_{epoch}.pth'):
            return
        if proc is not None and proc.poll() is not None:
            pytest.fail(f'the sweep ended (exit {proc.returncode}) before '
                        f'{run_dir} reached epoch {epoch}')
        time.sleep(0.1)
    pytest.fail(f'no epoch_{epoch} checkpoint in {run_dir} within {timeout}s')


@pytest.mark.slow
def test_local_sweep_killed_and_restarted(tmp_path, tiny_shapes):
    """Two real runs, one evaluated by mmdet's VOCMetric (the shapes set in
    VOC layout), the other, the CPU SSD, by CocoMetric (mmdet's SSD base
    wraps its train set in a RepeatDataset; our dataset base replaces it);
    the sweep is killed with SIGKILL mid-way and run again; progress lines
    and the report carry each run's own metric.  The work root holds a
    space, a comma and a non-ASCII letter: the COCO run's detections still
    land in its own folder (no option parser splits the path)."""
    work_dir = tmp_path / 'a work, dir ü'
    spec_path = write_spec(
        tmp_path / 'local.yaml', name='local', work_dir=str(work_dir),
        configs={'retinanet':
                 'retinanet_r18-c16_fpn_{loss}_12e_shapes-voc.py',
                 'ssd': 'ssd256_r18-c16_{loss}_12e_shapes.py'},
        axes={'loss': ['baseline', 'focal-ciou']},
        exclude=[{'detector': 'ssd', 'loss': 'baseline'},
                 {'detector': 'retinanet', 'loss': 'focal-ciou'}],
        options=dict(TINY, epochs=2))
    spec = load_spec(spec_path)
    d = {r.id: spec.run_dir(r.id) for r in expand(spec)}
    cmd = SWEEP + ['run', spec_path, '--launcher', 'local', '--jobs', '1']
    first = subprocess.Popen(cmd, cwd=str(tmp_path), env=subprocess_env(
                                 SHAPES_ROOT=tiny_shapes),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    # kill -9 the sweep once run 1 is done and run 2 is mid-way
    _wait_for_checkpoint(d['ssd_focal-ciou'], 1, first)
    assert d['retinanet_baseline'].read_status().state == 'done'
    first.send_signal(signal.SIGKILL)
    out1 = first.communicate()[0]
    done_ckpt = d['retinanet_baseline'].file('epoch_2.pth')
    mtime = os.stat(done_ckpt).st_mtime_ns

    # (in-process: the status command prints this table)
    table = status_table(spec, expand(spec))
    assert '1 done' in table, table

    second = subprocess.run(cmd, cwd=str(tmp_path),
                            env=subprocess_env(SHAPES_ROOT=tiny_shapes),
                            capture_output=True, text=True, timeout=600)
    out2 = second.stdout + second.stderr
    assert second.returncode == 0, out1 + out2
    assert '1 done, 1 to run now' in out2
    assert 'start  retinanet_baseline' not in out2  # not rerun
    assert os.stat(done_ckpt).st_mtime_ns == mtime
    assert 'ssd_focal-ciou (resuming from its last checkpoint)' in out2
    assert "sweep 'local': 2 done" in out2
    for rid, path in d.items():
        st = path.read_status()
        assert st.state == 'done', (rid, st)
        # each attempt records what it trained on (no CUDA here)
        for session in st.sessions:
            assert session['device'] == f'CPU: {cpu_model()}', session
            assert session['devices'] == 1 and session['host']
        assert st.device_hours == pytest.approx(st.train_seconds / 3600,
                                                abs=1e-4)
    assert len(attempts_of(d['retinanet_baseline'])) == 1
    first_try, second_try = attempts_of(d['ssd_focal-ciou'])
    assert 'resuming from last_checkpoint' in second_try
    assert 'resumed epoch: ' in second_try
    assert 'Epoch(train) [1]' not in second_try  # epoch 1 not trained again
    assert 'Epoch(train) [2]' in second_try

    rep = subprocess.run(SWEEP + ['report', spec_path], cwd=str(tmp_path),
                         env=subprocess_env(SHAPES_ROOT=tiny_shapes),
                         capture_output=True, text=True)
    assert rep.returncode == 0, rep.stderr
    rows = list(csv.DictReader(open(work_dir / 'results.csv')))
    assert [r['run_id'] for r in rows] == list(d)
    for r in rows:
        assert r['state'] == 'done' and r['final_epoch'] == '2'
        assert r['device'] == f'CPU: {cpu_model()}' and r['host']
        assert float(r['device_hours']) > 0
        assert 0 <= float(r['primary']) <= 100
    voc, coco = rows  # two families: each column says which
    assert voc['metric'] == 'voc' and voc['primary'] == voc['voc mAP']
    assert coco['metric'] == 'coco' and coco['primary'] == coco['coco AP']
    # one IoU threshold (0.5); VOCMetric rounds AP50, not mAP
    assert float(voc['voc AP50']) == pytest.approx(float(voc['voc mAP']),
                                                   abs=0.05)
    assert os.path.getsize(d['ssd_focal-ciou'].predictions_file) > 2
    assert sorted(os.listdir(work_dir)) == sorted(
        list(d) + ['_code', 'results.csv', 'results.md',
                   'training_curves.png'])
    # both runs trained with the sweep's snapshot of the code
    # numba's compiled code beside the snapshot, never in it
    [snapshot] = [n for n in os.listdir(work_dir / '_code')
                  if not n.endswith('.compiled')]
    assert os.path.isdir(work_dir / '_code' / f'{snapshot}.compiled')
    for path in d.values():
        assert f'_code/{snapshot}/train.py' in attempts_of(path)[-1]
        # the code it trained with: the planned identity, the same for
        # both attempts of the killed run
        code = path.read_info()['code']
        assert code['snapshot'] == snapshot
        assert {x['code'] for x in path.read_status().sessions} == {
            code['hash']}
    # a line per finished epoch, with the run's own primary metric
    assert re.search(r'epoch  retinanet_baseline 1/2 mAP \d+\.\d', out1), out1
    assert re.search(r'epoch  retinanet_baseline 2/2 mAP [\d.]+; sweep ETA',
                     out1), out1
    assert re.search(r'epoch  ssd_focal-ciou 2/2 AP \d+\.\d', out2), out2
    assert re.search(r'done   retinanet_baseline after \S+ \(mAP [\d.]+\)',
                     out1), out1
    _move_and_use(tmp_path, work_dir, spec_path)


def _records(folder):
    """The generated configs and run records of a sweep folder."""
    for d, _, files in os.walk(folder):
        for f in files:
            if f in ('run.json', 'status.json') or \
                    os.path.basename(d) == 'plan':
                yield os.path.join(d, f)


def _move_and_use(tmp_path, work_dir, spec_path):
    """A sweep folder that moves (scratch purged, migrated): no generated
    config or run record names its old place, and ``status``, ``run``
    (nothing trained again) and ``report`` work where it is now."""
    moved = tmp_path / 'new home' / 'local'
    shutil.move(str(work_dir), str(moved))
    for path in _records(moved):
        assert str(work_dir) not in open(path).read(), path
    spec = yaml.safe_load(open(spec_path))
    new_spec = write_spec(tmp_path / 'moved.yaml',
                          **dict(spec, work_dir=str(moved)))
    for argv, said in ((['status'], '2 runs: 2 done'),
                       (['run', '--launcher', 'local'], '2 done, 0 to run'),
                       (['report'], 'wrote ')):
        out = subprocess.run(SWEEP + [argv[0], new_spec] + argv[1:],
                             cwd=str(tmp_path), env=subprocess_env(),
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0 and said in out.stdout, \
            out.stdout + out.stderr
        assert 'start ' not in out.stdout
    assert os.path.exists(moved / 'results.md')
