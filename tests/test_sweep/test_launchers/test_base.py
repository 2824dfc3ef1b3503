"""The launcher interface: every scheduler call has a timeout and its
failure reads "status may be stale"; each launcher owns its options, and
building the parser twice gives the same parser."""
import os
import stat

import pytest

from focal_iou_mmdet.runs import RunDir, RunStatus
from focal_iou_mmdet.sweep import __main__ as cli
from focal_iou_mmdet.sweep.launchers import LAUNCHERS, base
from focal_iou_mmdet.sweep.launchers.base import (SchedulerError,
                                                  scheduler_call)
from focal_iou_mmdet.sweep.launchers.slurm import SlurmLauncher
from focal_iou_mmdet.sweep.observe.state import effective_states
from focal_iou_mmdet.sweep.observe.status_view import _note


def _fake_command(folder, name, script):
    path = folder / name
    path.write_text('#!/bin/sh\n' + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(folder)


@pytest.mark.parametrize('script, message', [
    ('exec /bin/sleep 30\n', 'squeue: no answer in 0.5 s'),
    ('echo "slurm_load_jobs error: Unable to contact controller" >&2\n'
     'exit 1\n', 'squeue failed (exit 1): slurm_load_jobs error'),
    (None, 'squeue: not found on PATH'),
])
def test_a_slurm_run_whose_queue_cannot_be_read_may_be_stale(
        tmp_path, monkeypatch, script, message):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    if script is not None:
        _fake_command(bin_dir, 'squeue', script)
    monkeypatch.setenv('PATH', str(bin_dir))
    monkeypatch.setattr(base, 'SCHEDULER_TIMEOUT_S', 0.5)
    os.makedirs(tmp_path / 'run')
    d = RunDir(str(tmp_path / 'run'))
    d.write_status(RunStatus().queued('slurm', '41_0'))
    view = effective_states([d])[d]
    assert view.state == 'queued'  # not "pending", not "running forever"
    assert view.unverified.startswith('status may be stale: ' + message)
    assert 'status may be stale' in _note(view)
    assert d.read_status().unverified is None  # a view, never written
    [said] = SlurmLauncher.cancel({d: d.read_status()})
    assert said.startswith('cancel: ' + message)
    assert said.endswith('nothing was cancelled')


def test_a_record_of_an_unknown_launcher_is_unreadable_not_guessed(tmp_path):
    os.makedirs(tmp_path / 'run')
    d = RunDir(str(tmp_path / 'run'))
    d.write_status(RunStatus().queued('kubernetes', 'pod-1'))
    view = effective_states([d])[d]
    assert view.state == 'unreadable'
    assert "launcher 'kubernetes', which is not one of" in view.message


def test_scheduler_call_names_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', _fake_command(tmp_path, 'sbatch',
                                             'echo 123\n'))
    assert scheduler_call(['sbatch', '--parsable']).strip() == '123'
    with pytest.raises(SchedulerError, match='scancel: not found'):
        scheduler_call(['scancel', '1'])


def test_building_the_parser_twice_gives_the_same_parser():
    first, second = cli.build_parser(), cli.build_parser()
    owners = lambda p: {k: v[:3] for k, v in p.launcher_options.items()}  # noqa
    assert owners(first) == owners(second)
    assert first.format_help() == second.format_help()
    run = lambda p: next(a for a in p._subparsers._group_actions  # noqa
                         ).choices['run'].format_help()
    assert run(first) == run(second)


def test_each_launcher_adds_its_own_options():
    owners = cli.build_parser().launcher_options
    assert owners['--gpus-per-run'][2] == sorted(LAUNCHERS)
    # a shared option's help has each launcher's words
    shared = owners['--gpus-per-run'][3].help
    assert 'local: ' in shared and 'slurm: ' in shared
    assert owners['--jobs'][2] == ['local']
    assert owners['--partition'][2] == ['slurm']
    src = open(cli.__file__).read()
    for name in LAUNCHERS:  # the CLI names no launcher
        assert f"'{name}'" not in src, name


def test_the_worker_command_lives_in_the_base():
    from focal_iou_mmdet.sweep.launchers import local, slurm
    assert local.WORKER_CMD is base.WORKER_CMD is slurm.WORKER_CMD
    assert base.WORKER_CMD[-1] == 'focal_iou_mmdet.sweep.launchers.worker'
    assert os.path.basename(base.__file__) == 'base.py'
