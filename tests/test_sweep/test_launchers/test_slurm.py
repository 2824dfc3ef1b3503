"""The SLURM launcher: the generated sbatch job against golden files, and
a real array on the test cluster whose task requeues itself at its time
limit and resumes."""
import csv
import os
import re
import subprocess

import pytest
from helpers import (LONG_CLUSTER_TESTS, ROOT, SWEEP, attempts_of, golden,
                     subprocess_env, write_spec)

from focal_iou_mmdet.runs import TINY_RUN_OPTIONS as TINY
from focal_iou_mmdet.sweep import expand, load_spec
from focal_iou_mmdet.sweep.__main__ import main as sweep_main
from focal_iou_mmdet.sweep.launchers.slurm import (SlurmOptions,
                                                   cluster_limits,
                                                   sbatch_command,
                                                   sbatch_script)
from focal_iou_mmdet.sweep.spec.seed_rounds import sweep_runs


def test_sbatch_script_matches_golden_file():
    golden('sbatch_array.sh', sbatch_script(
        'coco_focal_ablation', '/sweeps/coco/slurm/array_20260101_000000.txt',
        ['/opt/venv/bin/python', '-u', '-m', 'focal_iou_mmdet.sweep.launchers.worker']))


HOSTILE_WORK_DIR = '/tmp/x/nl\ntouch {pwned}\n#'


def test_a_hostile_work_dir_stays_data_in_the_script(tmp_path):
    """A work_dir with a newline and a command (a shared spec) is quoted
    in the generated array script: running the script runs the worker with
    the path as one argument, and the injected command never runs."""
    pwned = tmp_path / 'pwned'
    index_dir = tmp_path / HOSTILE_WORK_DIR.format(pwned=pwned).lstrip('/')
    index_dir.mkdir(parents=True)
    index = index_dir / 'array.txt'
    index.write_text('/runs/a b\n')
    script = sbatch_script('s', str(index), ['echo', 'worker'])
    golden('sbatch_array_hostile.sh', sbatch_script(
        's', HOSTILE_WORK_DIR.format(pwned='/tmp/x/pwned') + '/array.txt',
        ['/opt/venv/bin/python', '-m', 'focal_iou_mmdet.sweep.launchers.worker']))
    out = subprocess.run(['bash', '-c', script], capture_output=True,
                         text=True, env=dict(os.environ,
                                             SLURM_ARRAY_TASK_ID='0'))
    assert out.returncode == 0, out.stderr
    assert out.stdout == 'worker /runs/a b --launcher slurm --max-attempts 5\n'
    assert not pwned.exists()


def test_sbatch_commands_match_golden_file():
    script = '/sweeps/coco/slurm/array_20260101_000000.sh'
    gpu = SlurmOptions(partition='gpu', gpus_per_run=16, gpus_per_node=8,
                       max_parallel=4, extra_args=['--time=48:00:00'])
    cpu = SlurmOptions(partition='debug', gpus_per_run=2, cpus_per_task=1,
                       gres='', job_name='focal')
    assert (gpu.nodes, gpu.ranks_per_node) == (2, 8)
    assert (cpu.nodes, cpu.ranks_per_node) == (1, 2)
    lines = [' '.join(sbatch_command('coco_focal_ablation', n, script,
                                     '/sweeps/coco/slurm', opts))
             for n, opts in ((240, gpu), (3, cpu))]
    golden('sbatch_commands.txt', '\n'.join(lines) + '\n')


def test_dry_run_shows_the_split_into_arrays(tmp_path, capsys):
    """10 runs, arrays of at most 4, at most 2 in flight: three arrays, each
    waiting for the one before; nothing is written or submitted."""
    spec_path = write_spec(
        tmp_path / 'split.yaml', name='split', work_dir=str(tmp_path / 'wd'),
        configs={'retinanet': 'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'},
        axes={'loss': ['iou', 'focal-iou'], 'seed': [0, 1, 2, 3, 4]})
    assert sweep_main(['run', spec_path, '--launcher', 'slurm',
                       '--partition', 'gpu', '--max-parallel', '2',
                       '--max-array-size', '4', '--dry-run']) == 0
    out = capsys.readouterr().out
    commands = [ln[2:] for ln in out.splitlines() if ln.startswith('$ ')]
    assert [re.search(r'--array=(\S+)', c).group(1) for c in commands] == [
        '0-3%2', '0-3%2', '0-1%2']
    assert '--dependency' not in commands[0]
    assert '--dependency=afterany:<array 0>' in commands[1]
    assert '--dependency=afterany:<array 1>' in commands[2]
    text = re.sub(r'array_\d{8}_\d{6}', 'array_STAMP', out).replace(
        str(tmp_path), '/tmp/T')
    text = re.sub(r"exec ('[^']*python[^']*'|\S*python\S*) ", 'exec python ',
                  text)
    golden('sbatch_split_dry_run.txt', text)
    assert not os.path.exists(os.path.join(tmp_path, 'wd', 'slurm'))
    spec = load_spec(spec_path)
    assert all(spec.run_dir(r.id).read_status().state == 'pending'
               for r in expand(spec))


@pytest.mark.slurm
def test_the_cluster_limits_are_read_from_scontrol(slurm_cluster,
                                                   monkeypatch):
    # the test cluster's MaxArraySize is 4: a sweep without
    # --max-array-size splits its runs into arrays of 4
    monkeypatch.setenv('SLURM_CONF', slurm_cluster.conf)
    limits = cluster_limits()
    assert limits['MaxArraySize'] == 4 and limits['MaxJobCount'] > 0


@pytest.mark.slow
@pytest.mark.slurm
def test_until_decided_rounds_in_arrays_each_run_once(
        slurm_cluster, tmp_path, tiny_shapes):
    """``run --until-decided`` on the test cluster, at most 3 tasks an
    array: round 1 submits the 4 runs of seeds 0-1 as two arrays (3 + 1,
    the second after the first) and waits for them; 2 seeds cannot decide
    (the confidence sequence is the whole line up to n = 4), so round 2
    submits seed 2 of both losses as a third array.  Every run finishes
    once, none is trained twice."""
    spec_path = write_spec(
        tmp_path / 'ten.yaml', name='ten', work_dir=str(tmp_path / 'wd'),
        configs={'retinanet': 'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'},
        axes={'loss': ['iou', 'focal-iou'], 'seed': [0, 1]},
        options=dict(TINY, epochs=1))
    spec = load_spec(spec_path)
    env = subprocess_env(SLURM_CONF=slurm_cluster.conf, OMP_NUM_THREADS='1',
                         SHAPES_ROOT=tiny_shapes)
    sub = subprocess.run(
        SWEEP + ['run', spec_path, '--launcher', 'slurm', '--partition',
                 slurm_cluster.partition, '--gres', '', '--cpus-per-task',
                 '1', '--max-parallel', '4', '--max-array-size', '3',
                 '--time=10', '--until-decided', '--max-seeds', '3',
                 '--poll', '2'], cwd=ROOT,
        env=env, capture_output=True, text=True, timeout=600)
    out = sub.stdout + sub.stderr
    assert sub.returncode == 0, out + slurm_cluster.logs()
    rounds = out.split('round 2: ')
    assert len(rounds) == 2 and 'round 3' not in out, out
    assert 'as 2 array job(s)' in rounds[0] and '(at most 3 tasks an ' \
        'array, 4 at a time in all)' in rounds[0], out
    assert 'as 1 array job(s)' in rounds[1], out
    assert 'has its --max-seeds 3 seeds' in rounds[1], out
    runs = sweep_runs(spec)
    assert sorted(r.id for r in runs) == sorted(
        f'retinanet_{loss}_seed{s}' for loss in ('iou', 'focal-iou')
        for s in range(3))
    for r in runs:
        st = spec.run_dir(r.id).read_status()
        assert st.state == 'done' and st.attempts == 1, (r.id, st,
                                                         slurm_cluster.logs())
        assert len(attempts_of(spec.run_dir(r.id))) == 1


# long enough that one attempt (~30-60 s, ~10 s of it start-up: at most
# ~50 s of training) never finishes the run: ~0.85 s an epoch alone on one
# core (the 128 px tiny set), so ~64 s of training, more beside the other
# test worker
EPOCHS = 75
MAX_ATTEMPTS = 12


@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.skipif(not LONG_CLUSTER_TESTS, reason='waits for real SLURM '
                    'time limits (~2 min): FOCAL_IOU_LONG_CLUSTER_TESTS=1')
def test_slurm_array_sweep_requeued_at_its_time_limit(slurm_cluster, tmp_path,
                                                     tiny_shapes):
    """A sweep (an array job of one task: a run that must keep the CPU
    busy for longer than one attempt is costly on 2 cores) under a
    one-minute time limit: SLURM sends the warning at its periodic check
    (every ~30 s; a warning of
    W s arrives once fewer than W + 30 s are left, so 1 s here gives each
    attempt ~30-60 s), the worker stops training and requeues the task, and
    the task resumes from its last checkpoint, keeping the epochs already
    trained, until the run finishes."""
    spec_path = write_spec(
        tmp_path / 'slurm.yaml', name='slurm', work_dir=str(tmp_path / 'wd'),
        configs={'retinanet': 'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'},
        axes={'loss': ['focal-iou']},
        options=dict(TINY, epochs=EPOCHS))
    spec = load_spec(spec_path)
    d = {r.id: spec.run_dir(r.id) for r in expand(spec)}
    env = subprocess_env(SLURM_CONF=slurm_cluster.conf, OMP_NUM_THREADS='1',
               MASTER_PORT='29500', SHAPES_ROOT=tiny_shapes)  # the worker gives each task its own
    sub = subprocess.run(
        SWEEP + ['run', spec_path, '--launcher', 'slurm', '--partition',
                 slurm_cluster.partition, '--gpus-per-run', '1',
                 '--cpus-per-task', '1', '--gres', '', '--max-parallel', '2',
                 '--time=1', '--time-limit-warning', '1',
                 '--max-attempts', str(MAX_ATTEMPTS)], cwd=ROOT, env=env,
        capture_output=True,
        text=True, timeout=120)
    assert sub.returncode == 0, sub.stdout + sub.stderr
    assert '--array=0-0%2' in sub.stdout and '--requeue' in sub.stdout
    assert '--time=1' in sub.stdout  # extra sbatch arguments pass through
    assert '--signal=B:USR1@1' in sub.stdout
    job = re.search(r'as 1 array job\(s\) (\d+) ', sub.stdout).group(1)
    assert d['retinanet_focal-iou'].read_status().job == f'{job}_0'
    # submitting again while queued submits nothing twice
    again = subprocess.run(
        SWEEP + ['run', spec_path, '--launcher', 'slurm', '--partition',
                 slurm_cluster.partition], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120)
    assert 'nothing to submit' in again.stdout, again.stdout + again.stderr

    # every requeued task: SLURM holds a requeued job back (~2 min); let
    # it start again once slurmd has cleaned up the stopped instance
    slurm_cluster.release_requeued(job, timeout=900)
    logs = ''.join(open(os.path.join(spec.work_dir, 'slurm', f)).read()
                   for f in sorted(os.listdir(os.path.join(spec.work_dir,
                                                           'slurm')))
                   if f.endswith('.out'))
    for rid, path in d.items():
        st = path.read_status()
        assert st.state == 'done', (rid, st, logs[-3000:],
                                       slurm_cluster.logs())
        assert 2 <= st.attempts <= MAX_ATTEMPTS
        assert st.max_attempts == MAX_ATTEMPTS
        attempts = attempts_of(path)
        assert len(attempts) == st.attempts
        assert 'time limit near: requeueing' in logs
        assert 'not requeued' not in logs
        kept = 0  # the epoch the latest resume continued after
        saved = 0  # the last checkpoint an attempt started to write
        for earlier, later in zip(attempts, attempts[1:]):
            saved = max([saved] + [int(e) for e in re.findall(
                r'Saving checkpoint at (\d+) epochs', earlier)])
            if not saved:
                continue
            # resumed after the last checkpoint written in full (a save the
            # stop interrupted may be the one before), and those epochs are
            # not trained again
            assert 'resuming from last_checkpoint' in later
            resumed = int(re.search(r'resumed epoch: (\d+)', later).group(1))
            assert saved - 1 <= resumed <= saved, (saved, resumed)
            trained = [int(e) for e in re.findall(
                r'Epoch\(train\) \[(\d+)\]', later)]
            assert all(e > resumed for e in trained), (resumed, trained)
            kept = max(kept, resumed)
        assert kept >= 1  # some attempt handed epochs on to a later one
        # the last epoch was trained (by the last attempt, or by one that
        # its warning stopped after its last checkpoint: the next resumes
        # there and has nothing left to train)
        assert f'Saving checkpoint at {EPOCHS} epochs' in ''.join(attempts)
    ports = set()
    for path in d.values():
        for attempt in attempts_of(path):
            ports.add(attempt.split('MASTER_PORT=')[1].split()[0])
        assert 'Distributed launcher: slurm' in attempts_of(path)[-1]
    # distinct per task and per restart
    assert len(ports) == sum(p.read_status().attempts for p in d.values())

    rep = subprocess.run(SWEEP + ['report', spec_path], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert rep.returncode == 0, rep.stderr
    rows = list(csv.DictReader(open(tmp_path / 'wd' / 'results.csv')))
    assert all(int(r['attempts']) >= 2 for r in rows)
    assert all(r['final_epoch'] == str(EPOCHS) and r['AP'] != ''
               for r in rows)
