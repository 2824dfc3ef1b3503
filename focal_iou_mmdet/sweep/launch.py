"""Run a sweep's runs: locally N at a time, or as one SLURM array job.

Both go through one worker, :func:`exec_run` (``python -m
focal_iou_mmdet.sweep exec RUN_DIR``), which holds the run's lock, trains
it with mmdet's ``train.py`` and ``--resume`` (so a run that was killed,
preempted or requeued continues from its last checkpoint; a fresh one starts
from scratch), and records the outcome atomically in ``status.json``.
"""
import ctypes
import json
import os
import os.path as osp
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

from ..utils.json_io import write_json
from .plan import RUN_JSON, config_file
from .spec import Run, SweepSpec, relpath
from .state import (RunLock, counts, effective_states, eta_seconds,
                    fmt_duration, read_status, update_status)

TRAIN_LOG = 'train_stdout.log'
WORKER_LOG = 'worker.log'
WORKER_CMD = [sys.executable, '-u', '-m', 'focal_iou_mmdet.sweep', 'exec']
EXIT_DONE, EXIT_FAILED, EXIT_LOCKED, EXIT_INTERRUPTED = 0, 1, 4, 143


def _python_path() -> str:
    """Where this ``focal_iou_mmdet`` is imported from: workers (local
    or SLURM) import the same copy, a checkout or an installed one."""
    import focal_iou_mmdet
    return osp.dirname(osp.dirname(osp.abspath(focal_iou_mmdet.__file__)))


def _die_with_parent():
    """preexec_fn: SIGTERM this child when its parent dies (Linux), so a
    killed sweep or worker leaves no orphan training behind."""
    try:
        ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:
        pass


def train_command(run_dir: str, launcher: str = 'none') -> List[str]:
    from ..analysis.compare import TRAIN_CMD
    cmd = TRAIN_CMD + [config_file(run_dir), '--work-dir', run_dir,
                       '--resume']
    if launcher == 'slurm':
        # the array task's allocation: srun starts its ntasks ranks
        cmd = ['srun', '--kill-on-bad-exit=1'] + cmd + ['--launcher', 'slurm']
    return cmd


def slurm_master_port() -> str:
    """Distinct per array task (each has its own SLURM_JOB_ID) and per
    restart (the killed ranks of a requeued task may still hold a port)."""
    job = int(os.environ.get('SLURM_JOB_ID', '0'))
    restart = int(os.environ.get('SLURM_RESTART_COUNT', '0') or 0)
    return str(20000 + (job * 17 + restart * 7919) % 40000)


def _slurm_job() -> Optional[str]:
    env = os.environ
    if 'SLURM_ARRAY_JOB_ID' in env:
        return f'{env["SLURM_ARRAY_JOB_ID"]}_{env["SLURM_ARRAY_TASK_ID"]}'
    return env.get('SLURM_JOB_ID')


def _error_tail(log_path: str, lines: int = 15) -> str:
    try:
        with open(log_path, errors='replace') as f:
            tail = f.read()[-20000:].splitlines()
    except OSError:
        return ''
    errors = [ln for ln in tail if 'Error' in ln or 'error:' in ln]
    return '\n'.join((errors[-3:] if errors else []) + tail[-lines:])


def exec_run(run_dir: str, launcher: str = 'none') -> int:
    """Train one planned run (the worker).  Exit codes: 0 done, 1 failed,
    4 the run is locked by another live worker, 143 interrupted (SIGTERM:
    the run stays pending and resumes next time)."""
    run_dir = osp.abspath(run_dir)
    with open(osp.join(run_dir, RUN_JSON)) as f:
        info = json.load(f)
    lock = RunLock(run_dir)
    if not lock.acquire():
        print(f'{info["id"]}: another worker holds {run_dir}/.lock; '
              'not started twice', flush=True)
        return EXIT_LOCKED
    try:
        return _train_locked(run_dir, info, launcher)
    finally:
        lock.release()


def _train_locked(run_dir: str, info: dict, launcher: str) -> int:
    status = read_status(run_dir)
    if status['state'] == 'done':
        print(f'{info["id"]}: done already, skipped', flush=True)
        return EXIT_DONE
    attempt = int(status.get('attempts', 0)) + 1
    job = _slurm_job() if launcher == 'slurm' else None
    host = socket.gethostname()
    env = dict(os.environ, **info.get('env', {}))
    if launcher == 'slurm':
        env['MASTER_PORT'] = slurm_master_port()  # distinct per task
    cmd = train_command(run_dir, launcher)
    resumed = osp.exists(osp.join(run_dir, 'last_checkpoint'))
    update_status(run_dir, state='running', attempts=attempt, job=job,
                  host=host, pid=os.getpid(), started=time.time(),
                  message=None)
    log_path = osp.join(run_dir, TRAIN_LOG)
    interrupted, interrupted_at = [], []
    start = time.time()
    with open(log_path, 'a') as log:
        log.write(f'\n===== attempt {attempt} on {host}'
                  + (f', SLURM job {job}, {env.get("SLURM_NTASKS", "?")} '
                     f'tasks, MASTER_PORT={env["MASTER_PORT"]}' if job else '')
                  + (', resuming from last_checkpoint' if resumed else '')
                  + f' =====\n$ {" ".join(shlex.quote(c) for c in cmd)}\n')
        log.flush()
        proc = subprocess.Popen(cmd, env=env, stdout=log,
                                stderr=subprocess.STDOUT,
                                preexec_fn=_die_with_parent)

        def on_signal(signum, _frame):
            interrupted.append(signum)
            interrupted_at.append(time.time())
            try:
                proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass

        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, on_signal)
        while True:
            try:
                code = proc.wait(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                if interrupted and (len(interrupted) > 1 or
                                    time.time() - interrupted_at[0] > 30):
                    proc.kill()  # a second signal, or 30 s of grace
        session = dict(attempt=attempt, host=host, job=job,
                       start=round(start, 1),
                       seconds=round(time.time() - start, 1), exit=code,
                       resumed=resumed)
    sessions = status.get('sessions', []) + [session]
    if code == 0:
        update_status(run_dir, state='done', sessions=sessions,
                      finished=time.time(), message=None)
        return EXIT_DONE
    if interrupted:
        update_status(run_dir, state='pending', sessions=sessions,
                      message=f'interrupted by signal {interrupted[0]}; '
                      'resumes from its last checkpoint')
        return EXIT_INTERRUPTED
    update_status(run_dir, state='failed', sessions=sessions,
                  message=f'exit {code}; see {log_path}\n'
                  + _error_tail(log_path))
    return EXIT_FAILED


# --------------------------------------------------------------------------
# local


def _todo(spec: SweepSpec, runs: Sequence[Run], retry_failed: bool,
          exclude: set) -> Tuple[List[Run], List[Run], Dict[str, dict]]:
    """(runs to start now, runs a live local worker elsewhere holds)."""
    states = effective_states([spec.run_dir(r.id) for r in runs])
    todo, held = [], []
    for r in runs:
        if r.id in exclude:
            continue
        s = states[spec.run_dir(r.id)]
        if s['state'] == 'pending' or (retry_failed and
                                       s['state'] == 'failed'):
            todo.append(r)
        elif s['state'] == 'running' and not s.get('job'):
            held.append(r)
    return todo, held, states


def run_local(spec: SweepSpec, runs: Sequence[Run], jobs: int = 1,
              retry_failed: bool = False, poll: float = 0.5) -> Dict[str, int]:
    """Train the pending runs ``jobs`` at a time, each in its own worker.
    Safe to kill at any moment and to run again: done runs are skipped,
    interrupted ones resume."""
    jobs = max(1, int(jobs))
    env = dict(os.environ, PYTHONPATH=_python_path() + (
        os.pathsep + os.environ['PYTHONPATH']
        if os.environ.get('PYTHONPATH') else ''))
    if 'OMP_NUM_THREADS' not in env:  # share the cores between the runs
        env['OMP_NUM_THREADS'] = str(max(1, (os.cpu_count() or 1) // jobs))
    todo, held, states = _todo(spec, runs, retry_failed, set())
    c = counts(states.values())
    print(f'sweep {spec.name!r}: {len(runs)} runs: {c["done"]} done, '
          f'{len(todo)} to run now, {c["failed"]} failed'
          + ('' if retry_failed or not c['failed'] else
             ' (--retry-failed reruns them)')
          + (f', {len(held)} held by another live worker' if held else '')
          + f'; {jobs} at a time, OMP_NUM_THREADS={env["OMP_NUM_THREADS"]}',
          flush=True)
    active: Dict[str, tuple] = {}  # run id -> (proc, run, start)
    started = set()
    stop = []

    def on_signal(signum, _frame):
        stop.append(signum)
        for proc, _, _ in active.values():
            proc.send_signal(signal.SIGTERM)

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM,
                                                    signal.SIGINT)}
    last_wait_note = 0.0
    try:
        while not stop:
            while len(active) < jobs and todo and not stop:
                run = todo.pop(0)
                if read_status(spec.run_dir(run.id))['state'] == 'done':
                    continue
                started.add(run.id)
                with open(osp.join(spec.run_dir(run.id), WORKER_LOG),
                          'a') as wlog:  # the worker's own output
                    proc = subprocess.Popen(
                        WORKER_CMD + [spec.run_dir(run.id)], env=env,
                        stdout=wlog, stderr=subprocess.STDOUT,
                        preexec_fn=_die_with_parent)
                active[run.id] = (proc, run, time.time())
                resumed = osp.exists(osp.join(spec.run_dir(run.id),
                                              'last_checkpoint'))
                print(f'  start  {run.id}'
                      + (' (resuming from its last checkpoint)' if resumed
                         else ''), flush=True)
            for rid, (proc, run, t0) in list(active.items()):
                if proc.poll() is None:
                    continue
                del active[rid]
                st = read_status(spec.run_dir(rid))
                note = _result_note(spec.run_dir(rid)) if \
                    st['state'] == 'done' else (st.get('message') or '')
                print(f'  {st["state"]:<6} {rid} after '
                      f'{fmt_duration(time.time() - t0)} {note}'.rstrip(),
                      flush=True)
                if st['state'] == 'failed':
                    print('    ' + (st.get('message') or '').replace(
                        '\n', '\n    ')[-1500:], flush=True)
                elif proc.returncode not in (EXIT_DONE, EXIT_FAILED,
                                             EXIT_LOCKED, EXIT_INTERRUPTED):
                    tail = _error_tail(osp.join(spec.run_dir(rid),
                                                WORKER_LOG), 8)
                    print(f'    its worker exited with code '
                          f'{proc.returncode}:\n    '
                          + tail.replace('\n', '\n    '), flush=True)
                _print_progress(spec, runs, len(active) or jobs)
            if not active and not todo:
                # runs held by another worker (e.g. one of a sweep killed a
                # moment ago) are taken once it lets go of them; runs this
                # invocation already tried are not tried again
                todo, held, _ = _todo(spec, runs, False, started)
                if not todo and not held:
                    break
                if held and time.time() - last_wait_note > 30:
                    print(f'  waiting for {len(held)} run(s) held by another '
                          f'worker: {[r.id for r in held][:3]}', flush=True)
                    last_wait_note = time.time()
            time.sleep(poll)
        if stop:
            for proc, _, _ in active.values():
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    proc.kill()
            print(f'sweep interrupted (signal {stop[0]}); run the same '
                  'command again to go on', flush=True)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    final = counts(effective_states([spec.run_dir(r.id)
                                     for r in runs]).values())
    print(f'sweep {spec.name!r}: ' + ', '.join(f'{v} {k}' for k, v in
                                             final.items() if v), flush=True)
    return final


def _result_note(run_dir: str) -> str:
    from ..analysis.results import read_run
    final = read_run(run_dir).final
    if final.get('AP') is None:
        return ''
    return f'(AP {final["AP"] * 100:.1f}, AP_s ' + (
        'n/a' if final.get('AP_s') is None else
        f'{final["AP_s"] * 100:.1f}') + ')'


def _print_progress(spec, runs, parallel):
    states = effective_states([spec.run_dir(r.id) for r in runs])
    c = counts(states.values())
    eta = eta_seconds(list(states.values()), parallel)
    print(f'  [{c["done"]}/{len(runs)} done, {c["running"]} running, '
          f'{c["failed"]} failed] ETA {fmt_duration(eta)}', flush=True)


# --------------------------------------------------------------------------
# SLURM


def submit_slurm(spec: SweepSpec, runs: Sequence[Run], partition: str,
                 gpus_per_run: int = 1, cpus_per_task: int = 5,
                 gres: Optional[str] = None, max_parallel: Optional[int] = None,
                 retry_failed: bool = False, sbatch_args: Sequence[str] = (),
                 job_name: Optional[str] = None,
                 gpus_per_node: Optional[int] = None) -> Optional[str]:
    """Submit the pending runs as ONE ``sbatch --array`` job (``%K``
    throttled, ``--requeue``); each task trains one run with
    ``gpus_per_run`` srun tasks (mmengine's ``--launcher slurm``).
    ``gres=''`` asks for no GPUs (a CPU cluster: the ranks use gloo).
    A run larger than ``gpus_per_node`` (default: all its ranks on one node,
    at most 8) spans ``ceil(gpus_per_run / gpus_per_node)`` nodes."""
    if shutil.which('sbatch') is None:
        raise RuntimeError('--launcher slurm: sbatch is not on PATH (run '
                           'this on a SLURM login node, or use --launcher '
                           'local)')
    todo, _, states = _todo(spec, runs, retry_failed, set())
    c = counts(states.values())
    if not todo:
        print(f'sweep {spec.name!r}: nothing to submit ({c["done"]} done, '
              f'{c["queued"] + c["running"]} queued or running, '
              f'{c["failed"]} failed)', flush=True)
        return None
    sdir = osp.join(spec.work_dir, 'slurm')
    os.makedirs(sdir, exist_ok=True)
    stamp = time.strftime('%Y%m%d_%H%M%S')
    index = osp.join(sdir, f'array_{stamp}.txt')
    with open(index, 'w') as f:
        f.write(''.join(spec.run_dir(r.id) + '\n' for r in todo))
    script = osp.join(sdir, f'array_{stamp}.sh')
    with open(script, 'w') as f:
        f.write(
            '#!/usr/bin/env bash\n'
            f'# sweep {spec.name}: task i trains line i+1 of {index}\n'
            '# (written by tools/sweep.py run --launcher slurm)\n'
            f'export PYTHONPATH={shlex.quote(_python_path())}'
            '${PYTHONPATH:+:$PYTHONPATH}\n'
            f'RUN_DIR=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" '
            f'{shlex.quote(index)})\n'
            f'exec {" ".join(shlex.quote(c) for c in WORKER_CMD)} '
            '"$RUN_DIR" --launcher slurm\n')
    per_node = gpus_per_node or min(gpus_per_run, 8)
    nodes = -(-gpus_per_run // per_node)
    gres = f'gpu:{per_node}' if gres is None else gres
    array = f'0-{len(todo) - 1}' + (f'%{max_parallel}' if max_parallel
                                    else '')
    cmd = ['sbatch', '--parsable', f'--array={array}', '--requeue',
           f'--partition={partition}',
           f'--job-name={job_name or "sweep-" + spec.name}',
           f'--nodes={nodes}', f'--ntasks={gpus_per_run}',
           f'--ntasks-per-node={per_node}',
           f'--cpus-per-task={cpus_per_task}',
           f'--output={osp.join(sdir, "%A_%a.out")}'] + \
        ([f'--gres={gres}'] if gres else []) + list(sbatch_args) + [script]
    print('$ ' + ' '.join(shlex.quote(c) for c in cmd), flush=True)
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f'sbatch failed (exit {out.returncode}): '
                           f'{out.stderr.strip()}')
    job = out.stdout.strip().split(';')[0]
    for i, r in enumerate(todo):
        update_status(spec.run_dir(r.id), state='queued', job=f'{job}_{i}',
                      submitted=time.time())
    jobs_file = osp.join(sdir, 'jobs.json')
    jobs = json.load(open(jobs_file)) if osp.exists(jobs_file) else []
    jobs.append(dict(job=job, runs=[r.id for r in todo], script=script,
                     submitted=time.time(), command=cmd))
    write_json(jobs_file, jobs)
    print(f'submitted array job {job}: {len(todo)} runs'
          + (f', at most {max_parallel} at a time' if max_parallel else '')
          + f'; logs {relpath(sdir)}/{job}_<task>.out; follow with '
          f'`tools/sweep.py status {relpath(spec.path)}`', flush=True)
    return job
