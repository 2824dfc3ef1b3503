"""Regression tests: a sweep never blocks on one bad run.  Each case is one
that broke the sweep tool before (a truncated status file, odd locks, a
read-only work root, loose spec types, a deleted checkpoint, a run without
metrics) and, for the loss, ``avg_factor <= 0``."""
import json
import os
import re
import subprocess

import pytest
import torch
from helpers import (SHAPES_RETINANET, lock_held_elsewhere, random_boxes,
                     write_status)

from focal_iou_mmdet.models.losses import FocalIoULoss
from focal_iou_mmdet.runs import RunDir, RunLockError, RunStateError
from focal_iou_mmdet.sweep import SweepSpecError, expand, load_spec
from focal_iou_mmdet.sweep.__main__ import main as sweep_main
from focal_iou_mmdet.sweep.plan import plan
from focal_iou_mmdet.sweep.launchers import LAUNCHERS, Task
from focal_iou_mmdet.sweep.report import report
from focal_iou_mmdet.sweep.observe.state import effective_states, runs_to_start
from focal_iou_mmdet.sweep.observe.status_view import status_table
from focal_iou_mmdet.sweep.launchers.training import _Attempt
from focal_iou_mmdet.sweep.launchers.training import train as train_run
from focal_iou_mmdet.sweep.launchers.base import (EXIT_FAILED, EXIT_INTERRUPTED,
                                               EXIT_LOCKED)

CONFIG = SHAPES_RETINANET


def train(run_dir, launcher='local', max_attempts=None):
    """The worker's attempt, as a worker of ``launcher`` makes it."""
    return train_run(run_dir, LAUNCHERS[launcher].task(), launcher,
                     max_attempts)


def write_yaml(path, text):
    path.write_text(text)
    return str(path)


@pytest.fixture
def planned(tmp_path):
    """A planned sweep of two runs; returns (spec path, spec, run dirs)."""
    path = write_yaml(tmp_path / 's.yaml', f"""
name: s
work_dir: {tmp_path / 'wd'}
configs: {{retinanet: '{CONFIG}'}}
axes: {{loss: [iou, focal-iou]}}
""")
    spec = load_spec(path)
    runs = plan(spec)
    return path, spec, [spec.run_dir(r.id) for r in runs]


def _fake_metrics(run_dir, ap=0.2):
    vis = os.path.join(run_dir.path, '20260101_000000', 'vis_data')
    os.makedirs(vis, exist_ok=True)
    with open(os.path.join(vis, 'scalars.json'), 'w') as f:
        f.write(json.dumps({'coco/bbox_mAP': ap, 'coco/bbox_mAP_s': ap,
                            'step': 1}) + '\n')


# -- 1. a truncated status.json ---------------------------------------------

def test_truncated_status_is_shown_not_raised(planned, capsys):
    path, spec, (bad, good) = planned
    with open(bad.file(RunDir.STATUS), 'w') as f:
        f.write('{"state": "do')
    write_status(good, state='done', attempts=1, sessions=[dict(seconds=1)])
    _fake_metrics(good)
    with pytest.raises(RunStateError, match=r'unreadable: .*status\.json'):
        bad.read_status()
    st = effective_states([bad, good])
    assert st[bad].state == 'unreadable' and st[good].state == 'done'
    assert sweep_main(['status', path]) == 0
    out = capsys.readouterr().out
    assert f'unreadable: {bad.file(RunDir.STATUS)}: JSONDecodeError' in out
    assert '1 done' in out and '1 unreadable' in out
    assert sweep_main(['report', path]) == 0
    out = capsys.readouterr().out
    assert 'retinanet  focal-iou' in out  # the readable run is reported
    assert f'`{bad.id}`: unreadable' in out
    # run skips it with the reason; --force moves the file aside and
    # rebuilds a pending record (checkpoints are kept)
    runs = expand(spec)
    todo, _, _ = runs_to_start(spec, runs, retry_failed=False)
    assert [r.id for r in todo] == []
    todo, _, _ = runs_to_start(spec, runs, retry_failed=False, force=True)
    assert [r.id for r in todo] == [bad.id]
    assert bad.read_status().state == 'pending'
    assert any(n.startswith('status.json.unreadable-')
               for n in os.listdir(bad.path))


@pytest.mark.parametrize('content', ['[1, 2]', '{"state": "finished"}', ''])
def test_status_that_is_not_a_status_is_unreadable(tmp_path, content):
    d = RunDir(str(tmp_path / 'r'))
    os.makedirs(d.path)
    with open(d.file(RunDir.STATUS), 'w') as f:
        f.write(content)
    with pytest.raises(RunStateError):
        d.read_status()


# -- 2. odd locks and a read-only work root ---------------------------------

def test_lock_that_is_a_directory(planned, capsys):
    path, spec, (d, _) = planned
    os.makedirs(d.file(RunDir.LOCK))
    write_status(d, state='running', attempts=1)
    with pytest.raises(RunLockError, match='is a directory'):
        d.lock().acquire()
    st = effective_states([d])[d]
    assert st.state == 'unreadable'
    assert st.message == (f'cannot lock {d.file(RunDir.LOCK)}: it is a '
                             'directory, not a file')
    assert sweep_main(['status', path]) == 0
    assert 'cannot lock' in capsys.readouterr().out
    # the worker records why it cannot start instead of a traceback
    write_status(d, state='pending')
    assert train(d) == EXIT_FAILED
    assert d.read_status().state == 'failed'
    assert 'it is a directory' in d.read_status().message


def test_lock_held_by_an_unrelated_live_process(planned):
    _, spec, (d, _) = planned
    with lock_held_elsewhere(d.file(RunDir.LOCK)) as holder:
        # its recorded worker is dead (a pid that cannot exist)
        write_status(d, state='running', attempts=1, pid=2**22 + 1,
                        host=os.uname().nodename)
        st = effective_states([d])[d]
        assert st.state == 'pending'
        assert f'held by pid {holder.pid} on' in st.stale
        assert f'held by pid {holder.pid}' in status_table(spec, expand(spec))
        # a worker does not start it twice and says who holds it
        assert train(d) == EXIT_LOCKED


@pytest.fixture
def read_only(tmp_path):
    """``(writable source, read-only view)`` through a read-only bind mount
    (root can write through file modes, not through a read-only mount)."""
    src, view = tmp_path / 'src', tmp_path / 'view'
    src.mkdir()
    view.mkdir()
    ok = subprocess.run(['mount', '--bind', str(src), str(view)],
                        capture_output=True).returncode == 0 and \
        subprocess.run(['mount', '-o', 'remount,bind,ro', str(view)],
                       capture_output=True).returncode == 0
    if not ok:
        subprocess.run(['umount', str(view)], capture_output=True)
        pytest.skip('cannot make a read-only bind mount here')
    yield src, view
    subprocess.run(['umount', str(view)], check=True)


def test_read_only_work_root_still_reads(tmp_path, read_only, capsys):
    src, view = read_only
    spec_yaml = f"""
name: s
configs: {{retinanet: '{CONFIG}'}}
axes: {{loss: [iou, focal-iou]}}
"""
    path = write_yaml(tmp_path / 's.yaml', spec_yaml)
    spec = load_spec(path, str(src))
    runs = plan(spec)
    write_status(spec.run_dir(runs[0].id), state='running', attempts=1)
    write_status(spec.run_dir(runs[1].id), state='done', attempts=1)
    _fake_metrics(spec.run_dir(runs[1].id))
    assert sweep_main(['--work-root', str(view), 'status', path]) == 0
    out = capsys.readouterr().out
    assert '1 done' in out and 'Traceback' not in out
    rc = sweep_main(['--work-root', str(view), 'report', path])
    out = capsys.readouterr().out
    assert rc == 1 and 'Read-only file system' in out
    assert 'retinanet  focal-iou' in out  # the table is printed anyway
    assert sweep_main(['--work-root', str(view), 'report', path,
                       '--out-dir', str(tmp_path / 'out')]) == 0
    assert (tmp_path / 'out' / 'results.md').exists()
    assert sweep_main(['--work-root', str(view), 'plan', path,
                       '--force']) == 2
    assert 'error: cannot write' in capsys.readouterr().err


# -- 3.-5. spec types and YAML errors --------------------------------------

@pytest.mark.parametrize('axes,message', [
    ('{loss: [iou], seed: "0, 1"}', "axis 'seed' must be a list, got the "
     "str '0, 1'; write [0, 1]"),
    ('{loss: [iou], epochs: [one]}', "epochs must be an integer > 0, got "
     "'one'"),
    ('{loss: [iou], epochs: [0]}', 'epochs must be an integer > 0, got 0'),
    ('{loss: [iou], seed: [1.5]}', 'seed must be an integer, got 1.5'),
    ('{loss: "iou, focal-iou"}', "axis 'loss' must be a list"),
    ('{loss: [iou], box_head.loss_bbox.gamma: [1, 1.0]}',
     "repeats a value: 1 and 1.0 are equal"),
    ('{loss: [1]}', "its values must be strings, got 1"),
])
def test_spec_types_are_checked_when_loading(tmp_path, axes, message):
    path = write_yaml(tmp_path / 's.yaml',
                      f"configs: {{retinanet: '{CONFIG}'}}\naxes: {axes}\n")
    with pytest.raises(SweepSpecError) as e:
        load_spec(path)
    assert message in str(e.value)


@pytest.mark.parametrize('extra,message', [
    ('exclude: "loss=iou"', "'exclude' (a list of mappings"),
    ('zip: "loss"', "'zip' must be a list"),
    ('zip: [loss]', 'each zip group must be a list'),
    ('options: {epochs: -1}', "'options': epochs must be an integer > 0"),
])
def test_exclude_zip_and_options_shapes(tmp_path, extra, message):
    path = write_yaml(tmp_path / 's.yaml',
                      f"configs: {{retinanet: '{CONFIG}'}}\n"
                      f'axes: {{loss: [iou]}}\n{extra}\n')
    with pytest.raises(SweepSpecError) as e:
        load_spec(path)
    assert message in str(e.value)


def test_yaml_error_is_one_line_with_position(tmp_path, capsys):
    path = write_yaml(tmp_path / 's.yaml',
                      f"configs: {{retinanet: '{CONFIG}'}}\naxes: [loss: [iou\n")
    assert sweep_main(['status', path]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: sweep spec {path!r}: YAML error at line ")
    assert 'column' in err and len(err.strip().splitlines()) == 1
    assert 'Traceback' not in err


# -- 6. a deleted checkpoint -------------------------------------------------

def _checkpoints(d, epochs, deleted):
    os.makedirs(d.path, exist_ok=True)
    for e in epochs:
        open(d.file(f'epoch_{e}.pth'), 'w').close()
    with open(d.file(RunDir.LAST_CHECKPOINT), 'w') as f:
        f.write(d.file(f'epoch_{deleted}.pth'))  # not there


def test_missing_checkpoint_falls_back_to_the_newest_left(tmp_path):
    d = RunDir(str(tmp_path / 'r'))
    _checkpoints(d, [1, 2, 10], deleted=11)
    note = d.repair_checkpoint()
    assert 'resuming from epoch_10.pth instead' in note
    assert open(d.file(RunDir.LAST_CHECKPOINT)).read() == d.file(
        'epoch_10.pth')
    assert d.repair_checkpoint() is None  # now consistent


def test_missing_checkpoint_without_others_starts_over(tmp_path):
    d = RunDir(str(tmp_path / 'r'))
    _checkpoints(d, [], deleted=3)
    assert 'starting over' in d.repair_checkpoint()
    assert not d.has_checkpoint


# -- the loss and the report -------------------------------------------------

@pytest.mark.parametrize('avg_factor', [0, 0.0, -1.0, torch.tensor(0.0)])
def test_avg_factor_not_positive_raises(avg_factor):
    pred, target = random_boxes(8, dtype=torch.float32)
    with pytest.raises(ValueError, match='avg_factor must be > 0'):
        FocalIoULoss()(pred, target, avg_factor=avg_factor)
    # nothing to average (no box has weight): an exact 0, no error
    zero = FocalIoULoss()(pred, target, torch.zeros(8), avg_factor=avg_factor)
    assert zero.item() == 0


def test_done_run_without_metrics_is_not_counted(planned):
    _, spec, (a, b) = planned
    for d in (a, b):
        write_status(d, state='done', attempts=1)
    _fake_metrics(b)
    out = report(spec, expand(spec))
    stats = {s['key'][1]: s for s in out['stats']}
    assert stats['iou']['n'] == 0 and stats['focal-iou']['n'] == 1
    md = open(out['md']).read()
    assert f'`{a.id}`: no validation metrics: nothing was evaluated' in md


# -- SLURM attempts are bounded (#14) --------------------------------------

def test_run_past_its_attempts_is_failed_not_started(planned, capsys):
    """A run already started max_attempts times (time limits, preemptions)
    is marked failed with the reason, without training again; status shows
    the attempts against the bound."""
    path, spec, (d, _) = planned
    write_status(d, state='pending', attempts=3,
                    message='time limit near on attempt 3: stopped and '
                    'requeued (SLURM job 7_0)')
    assert train(d, 'slurm', max_attempts=3) == EXIT_FAILED
    st = d.read_status()
    assert st.state == 'failed' and st.attempts == 3
    assert 'not started again: 3 attempts made, the most allowed ' \
        '(--max-attempts 3); last: time limit near on attempt 3' \
        in st.message
    assert not os.path.exists(d.train_log)  # nothing was trained
    table = status_table(spec, expand(spec))
    assert re.search(rf'{d.id}\s+failed\s+-\s+3/3', table), table


def test_time_limit_on_the_last_attempt_fails_the_run(planned):
    _, _, (d, _) = planned
    session = dict(attempt=2, exit=143, seconds=1.0)

    def stopped_on_attempt(attempt, most):
        status = write_status(d, state='running', attempts=attempt,
                              job='7_0', launcher='slurm')
        attempt_ = _Attempt(d, d.read_info(), LAUNCHERS['slurm'].task(),
                            'slurm', most)
        return attempt_._after_time_limit(status, session)

    assert stopped_on_attempt(2, 2) == EXIT_FAILED
    assert 'reached its time limit on attempt 2 of 2; not requeued' in \
        d.read_status().message
    # below the bound it is requeued; without a SLURM job it says why not
    assert stopped_on_attempt(1, 2) == EXIT_INTERRUPTED
    st = d.read_status()
    assert st.state == 'pending'
    assert 'not requeued (no SLURM job id in the environment)' in \
        st.message


class _NoTraining(Task):
    """A task whose training process does nothing: the worker's own steps
    (checkpoint repair, status) are what is tested."""

    def train_command(self, python, train_args, tool=()):
        return [python, '-c', 'pass']


@pytest.mark.parametrize('how', ['truncated', 'random bytes'])
def test_worker_resumes_from_the_newest_loadable_checkpoint(planned, how):
    _, spec, (d, _) = planned
    good, bad = d.file('epoch_1.pth'), d.file('epoch_2.pth')
    torch.save({'state_dict': {'w': torch.ones(2)}}, good)
    with open(bad, 'wb') as f:
        f.write(open(good, 'rb').read()[:40] if how == 'truncated'
                else os.urandom(512))
    with open(d.file(RunDir.LAST_CHECKPOINT), 'w') as f:
        f.write(bad)
    assert train_run(d, _NoTraining(), 'local') == 0
    st = d.read_status()
    assert st.state == 'done'
    assert 'epoch_2.pth does not load' in st.checkpoint_note
    assert 'resuming from epoch_1.pth instead' in st.checkpoint_note
    assert 'epoch_2.pth does not load' in status_table(spec, expand(spec),
                                                       show_all=True)
