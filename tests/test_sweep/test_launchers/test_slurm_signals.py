"""``--signal SIG@S``: each signal a site may send before a time limit or
a preemption (USR1, USR2, TERM, HUP) makes the run stop at its last
checkpoint, requeue its task and finish with no epoch trained twice -- on
the real test cluster, one sweep per signal side by side.  The signal is
delivered as SLURM delivers ``--signal=B:SIG@S`` (to the batch shell, which
the worker replaces), by ``scancel --batch --signal``: waiting for a real
time limit per signal would cost minutes each (test_slurm.py does that
once, for the default USR1)."""
import os
import re
import subprocess
import time

import pytest
from helpers import (LONG_CLUSTER_TESTS, ROOT, SWEEP, attempts_of,
                     subprocess_env, write_spec)

from focal_iou_mmdet.runs import TINY_RUN_OPTIONS as TINY
from focal_iou_mmdet.sweep import expand, load_spec
from focal_iou_mmdet.sweep.launchers.slurm import (SlurmOptions,
                                                   sbatch_command,
                                                   sbatch_script)
from focal_iou_mmdet.sweep.launchers.slurm_task import (TIME_LIMIT_SIGNALS,
                                                        parse_signal)

EPOCHS = 6
#: USR2 (not the default) in ``make test``; every signal with
#: FOCAL_IOU_LONG_CLUSTER_TESTS=1 (each costs a requeue on the one cluster)
SIGNALS = TIME_LIMIT_SIGNALS if LONG_CLUSTER_TESTS else ('USR2',)


@pytest.mark.parametrize('text, expected', [
    ('USR1', ('USR1', 300)), ('usr2@60', ('USR2', 60)),
    ('SIGTERM@5', ('TERM', 5)), ('HUP', ('HUP', 300))])
def test_parse_signal(text, expected):
    assert parse_signal(text, 300) == expected


@pytest.mark.parametrize('text, match', [
    ('KILL', "'KILL' names no signal of USR1, USR2, TERM, HUP"),
    ('USR1@0', 'S must be an integer from 1 to 65,535, got 0'),
    ('USR1@x', 'must be an integer from 1 to 65,535'),
    ('USR1@70000', 'S must be an integer from 1 to 65,535, got 70000'),
    ('', 'names no signal')])
def test_bad_signal_is_named(text, match):
    with pytest.raises(ValueError, match=match):
        parse_signal(text, 300)


def test_the_signal_reaches_sbatch_and_the_worker():
    opts = SlurmOptions(partition='p', time_limit_signal='USR2',
                        time_limit_warning_s=120)
    cmd = sbatch_command('s', 2, 'x.sh', 'logs', opts)
    assert '--signal=B:USR2@120' in cmd
    script = sbatch_script('s', 'i.txt', time_limit_signal='USR2')
    assert script.rstrip().endswith('--time-limit-signal USR2')
    # the default keeps the script as it was (golden file in test_slurm)
    assert '--time-limit-signal' not in sbatch_script('s', 'i.txt')


def _submit(slurm_cluster, tmp_path, tiny_shapes, sig):
    path = write_spec(
        tmp_path / f'{sig}.yaml', name=f'sig-{sig}',
        work_dir=str(tmp_path / sig),
        configs={'retinanet': 'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'},
        axes={'loss': ['focal-iou']}, options=dict(TINY, epochs=EPOCHS))
    env = subprocess_env(SLURM_CONF=slurm_cluster.conf, OMP_NUM_THREADS='1',
                         SHAPES_ROOT=tiny_shapes)
    sub = subprocess.run(
        SWEEP + ['run', path, '--launcher', 'slurm', '--partition',
                 slurm_cluster.partition, '--gres', '', '--cpus-per-task',
                 '1', '--signal', f'{sig}@60', '--max-attempts', '3',
                 '--hold'],  # sbatch's own: released together below
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert sub.returncode == 0, sub.stdout + sub.stderr
    assert f'--signal=B:{sig}@60' in sub.stdout
    job = re.search(r'as 1 array job\(s\) (\d+) ', sub.stdout).group(1)
    spec = load_spec(path)
    [run] = expand(spec)
    return job, spec.run_dir(run.id)


def _signal_each_after_a_checkpoint(slurm_cluster, jobs, timeout=300):
    """Signal each job's task once its run saved epoch 2's checkpoint."""
    waiting = dict(jobs)
    deadline = time.time() + timeout
    while waiting and time.time() < deadline:
        for sig, (job, run_dir) in list(waiting.items()):
            if os.path.exists(run_dir.train_log) and \
                    'Saving checkpoint at 2 epochs' in open(
                        run_dir.train_log).read():
                out = slurm_cluster.run(['scancel', '--batch',
                                         f'--signal={sig}', f'{job}_0'])
                assert out.returncode == 0, (sig, out.stderr)
                del waiting[sig]
        time.sleep(0.2)
    assert not waiting, f'no checkpoint of epoch 2: {sorted(waiting)}'


@pytest.mark.slow
@pytest.mark.slurm
def test_each_signal_checkpoints_requeues_and_trains_nothing_twice(
        slurm_cluster, tmp_path, tiny_shapes):
    jobs = {sig: _submit(slurm_cluster, tmp_path, tiny_shapes, sig)
            for sig in SIGNALS}
    slurm_cluster.run(['scontrol', 'release'] + [j for j, _ in jobs.values()])
    _signal_each_after_a_checkpoint(slurm_cluster, jobs)
    for sig, (job, run_dir) in jobs.items():
        slurm_cluster.release_requeued(job, timeout=600)
        st = run_dir.read_status()
        assert st.state == 'done', (sig, st, slurm_cluster.logs())
        first, *later = attempts_of(run_dir)
        assert len(later) == 1, (sig, st.attempts)
        saved = max(int(e) for e in re.findall(
            r'Saving checkpoint at (\d+) epochs', first))
        assert saved >= 2
        # resumed at the last checkpoint written in full, and trained only
        # the epochs after it, to the end
        resumed = int(re.search(r'resumed epoch: (\d+)', later[0]).group(1))
        assert saved - 1 <= resumed <= saved, (sig, saved, resumed)
        trained = [int(e) for e in re.findall(r'Epoch\(train\) \[(\d+)\]',
                                              later[0])]
        assert trained and min(trained) > resumed, (sig, trained)
        again = [int(e) for e in re.findall(
            r'Saving checkpoint at (\d+) epochs', later[0])]
        assert again == list(range(resumed + 1, EPOCHS + 1)), (sig, again)
        assert f'Saving checkpoint at {EPOCHS} epochs' in later[0]
        logs = os.path.join(os.path.dirname(run_dir.path), 'slurm')
        out = ''.join(open(os.path.join(logs, f)).read()
                      for f in os.listdir(logs) if f.endswith('.out'))
        assert f'time limit near: requeueing {job}_0' in out, (sig, out)
        assert 'not requeued' not in out, (sig, out)
