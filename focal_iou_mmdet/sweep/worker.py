"""The worker: trains one planned run, for the local scheduler and for
each SLURM array task alike.

    python -m focal_iou_mmdet.sweep.worker RUN_DIR [--launcher slurm]
        [--max-attempts K]
    python -m focal_iou_mmdet.sweep.worker RUN_DIR --launcher pytorch --nproc N

It holds the run's lock, trains with mmdet's ``train.py --resume`` (a run
that was killed, preempted or requeued continues from its last checkpoint),
appends its output to the run's training log and records the outcome in its
status.  A ``last_checkpoint`` that names a deleted file is pointed at the
newest checkpoint left (or removed: the run starts over), and the status
says which.  Exit codes: 0 done, 1 failed (also: its lock or status cannot
be used; the message says why), 4 another live worker holds the run, 143
interrupted (SIGTERM: the run stays pending and resumes next time).

Under SLURM, SIGUSR1 is the warning that the task's time limit is near
(``sbatch --signal=B:USR1@S``): the worker stops training, records the run
as pending and requeues its own task (``scontrol requeue``), which resumes
from the last checkpoint.  With ``--max-attempts K`` a run is started at
most K times (time limits, preemptions and requeues together); the next
start, or a time limit on attempt K, marks it failed instead of looping.
"""
import argparse
import ctypes
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from typing import Optional

from ..runs import RunDir, RunLockError, RunStateError

EXIT_DONE, EXIT_FAILED, EXIT_LOCKED, EXIT_INTERRUPTED = 0, 1, 4, 143
#: how a scheduler starts this worker (its run folder follows)
WORKER_CMD = [sys.executable, '-u', '-m', 'focal_iou_mmdet.sweep.worker']
#: seconds a training process gets to stop after SIGTERM
GRACE_S = 30


def package_parent() -> str:
    """The folder this ``focal_iou_mmdet`` is imported from: schedulers put
    it first on their workers' PYTHONPATH, so the workers (local or SLURM)
    import the same copy, a checkout or an installed one."""
    import focal_iou_mmdet
    return os.path.dirname(os.path.dirname(
        os.path.abspath(focal_iou_mmdet.__file__)))


def die_with_parent():
    """preexec_fn: SIGTERM this child when its parent dies (Linux), so a
    killed sweep or worker leaves no orphan training behind."""
    try:
        ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:
        pass


def slurm_master_port() -> str:
    """Distinct per array task (each has its own SLURM_JOB_ID) and per
    restart (the killed ranks of a requeued task may still hold a port)."""
    job = int(os.environ.get('SLURM_JOB_ID', '0'))
    restart = int(os.environ.get('SLURM_RESTART_COUNT', '0') or 0)
    return str(20000 + (job * 17 + restart * 7919) % 40000)


def slurm_job_id() -> Optional[str]:
    env = os.environ
    if 'SLURM_ARRAY_JOB_ID' in env:
        return f'{env["SLURM_ARRAY_JOB_ID"]}_{env["SLURM_ARRAY_TASK_ID"]}'
    return env.get('SLURM_JOB_ID')


def error_tail(log_path: str, lines: int = 15) -> str:
    """The last error lines and the tail of a log, for a failure message."""
    try:
        with open(log_path, errors='replace') as f:
            tail = f.read()[-20000:].splitlines()
    except OSError:
        return ''
    errors = [ln for ln in tail if 'Error' in ln or 'error:' in ln]
    return '\n'.join((errors[-3:] if errors else []) + tail[-lines:])


def free_port() -> int:
    """A TCP port free on this machine now (torchrun's rendezvous of a
    multi-GPU run; each run has its own)."""
    with socket.socket() as s:
        s.bind(('', 0))
        return s.getsockname()[1]


def requeue_slurm_task(job: Optional[str]) -> Optional[str]:
    """``scontrol requeue`` this task; None when done, else why not."""
    if not job:
        return 'no SLURM job id in the environment'
    try:
        out = subprocess.run(['scontrol', 'requeue', job],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f'scontrol requeue {job}: {e}'
    if out.returncode != 0:
        return f'scontrol requeue {job}: {out.stderr.strip()}'
    return None


def train(run_dir: RunDir, launcher: str = 'none', nproc: int = 1,
          max_attempts: Optional[int] = None) -> int:
    """Train one planned run under its lock; returns an exit code above."""
    info = run_dir.read_info()
    lock = run_dir.lock()
    try:
        if not lock.acquire():
            print(f'{info["id"]}: {lock.path} is held by '
                  f'{lock.holder() or "another process"}; not started twice',
                  flush=True)
            return EXIT_LOCKED
    except RunLockError as e:
        print(f'{info["id"]}: {e}', flush=True)
        try:
            run_dir.update_status(state='failed', message=str(e))
        except (RunStateError, OSError):
            pass
        return EXIT_FAILED
    try:
        return _train_locked(run_dir, info, launcher, nproc, max_attempts)
    except RunStateError as e:
        print(f'{info["id"]}: {e}; not started (--force rebuilds it)',
              flush=True)
        return EXIT_FAILED
    finally:
        lock.release()


def _train_locked(run_dir: RunDir, info: dict, launcher: str,
                  nproc: int = 1, max_attempts: Optional[int] = None) -> int:
    status = run_dir.read_status()
    if status['state'] == 'done':
        print(f'{info["id"]}: done already, skipped', flush=True)
        return EXIT_DONE
    attempt = int(status.get('attempts', 0)) + 1
    if max_attempts and attempt > max_attempts:
        message = (f'not started again: {attempt - 1} attempts made, the '
                   f'most allowed (--max-attempts {max_attempts}); last: '
                   + (status.get('message') or 'interrupted').splitlines()[0])
        print(f'{info["id"]}: {message}', flush=True)
        run_dir.update_status(state='failed', message=message,
                              max_attempts=max_attempts)
        return EXIT_FAILED
    job = slurm_job_id() if launcher == 'slurm' else None
    host = socket.gethostname()
    env = dict(os.environ, **info.get('env', {}))
    if launcher == 'slurm':
        env['MASTER_PORT'] = slurm_master_port()
    cmd = run_dir.train_command(
        launcher, nproc, free_port() if launcher == 'pytorch' else None,
        run_dir.prediction_options())
    checkpoint_note = run_dir.repair_checkpoint()
    if checkpoint_note:
        print(f'{info["id"]}: {checkpoint_note}', flush=True)
    resumed = run_dir.has_checkpoint
    run_dir.update_status(state='running', attempts=attempt, job=job,
                          host=host, pid=os.getpid(), started=time.time(),
                          message=None, max_attempts=max_attempts,
                          checkpoint_note=checkpoint_note or
                          status.get('checkpoint_note'))
    interrupted, interrupted_at, time_limit = [], [], []
    start = time.time()
    with open(run_dir.train_log, 'a') as log:
        log.write(f'\n===== attempt {attempt} on {host}'
                  + (f', SLURM job {job}, {env.get("SLURM_NTASKS", "?")} '
                     f'tasks, MASTER_PORT={env["MASTER_PORT"]}' if job else '')
                  + (', resuming from last_checkpoint' if resumed else '')
                  + (f' ({checkpoint_note})' if checkpoint_note else '')
                  + f' =====\n$ {" ".join(shlex.quote(c) for c in cmd)}\n')
        log.flush()
        proc = subprocess.Popen(cmd, env=env, stdout=log,
                                stderr=subprocess.STDOUT,
                                preexec_fn=die_with_parent)

        def on_signal(signum, _frame):
            interrupted.append(signum)
            interrupted_at.append(time.time())
            try:
                proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass

        def on_time_limit(_signum, _frame):
            # the task's time limit is near: stop training now, while the
            # last checkpoint is intact, and requeue below
            if not time_limit:
                time_limit.append(time.time())
                on_signal(signal.SIGUSR1, None)

        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, on_signal)
        if launcher == 'slurm':
            signal.signal(signal.SIGUSR1, on_time_limit)
        while True:
            try:
                code = proc.wait(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                if interrupted and (len(interrupted) > 1 or
                                    time.time() - interrupted_at[0] >
                                    GRACE_S):
                    proc.kill()  # a second signal, or the grace is over
    session = dict(attempt=attempt, host=host, job=job, start=round(start, 1),
                   seconds=round(time.time() - start, 1), exit=code,
                   resumed=resumed)
    sessions = status.get('sessions', []) + [session]
    if code == 0:
        run_dir.update_status(state='done', sessions=sessions,
                              finished=time.time(), message=None)
        return EXIT_DONE
    if time_limit:
        return _after_time_limit(run_dir, info, job, attempt, max_attempts,
                                 sessions)
    if interrupted:
        run_dir.update_status(
            state='pending', sessions=sessions,
            message=f'interrupted by signal {interrupted[0]}; resumes from '
            'its last checkpoint')
        return EXIT_INTERRUPTED
    run_dir.update_status(state='failed', sessions=sessions,
                          message=f'exit {code}; see {run_dir.train_log}\n'
                          + error_tail(run_dir.train_log))
    return EXIT_FAILED


def _after_time_limit(run_dir: RunDir, info: dict, job: Optional[str],
                      attempt: int, max_attempts: Optional[int],
                      sessions: list) -> int:
    """The task stopped at its time-limit warning: requeue it (the run
    resumes from its last checkpoint), unless it has had its attempts."""
    if max_attempts and attempt >= max_attempts:
        message = (f'reached its time limit on attempt {attempt} of '
                   f'{max_attempts}; not requeued again (raise the time '
                   'limit or --max-attempts, then run with --retry-failed)')
        run_dir.update_status(state='failed', sessions=sessions,
                              message=message)
        print(f'{info["id"]}: {message}', flush=True)
        return EXIT_FAILED
    # the status first: requeueing ends this task
    run_dir.update_status(
        state='pending', sessions=sessions,
        message=f'time limit near on attempt {attempt}: stopped and '
        f'requeued (SLURM job {job}); resumes from its last checkpoint')
    why_not = requeue_slurm_task(job)
    if why_not:
        run_dir.update_status(
            message=f'time limit near on attempt {attempt}: stopped, but '
            f'not requeued ({why_not}); the next `run` submits it again')
        print(f'{info["id"]}: {why_not}', flush=True)
    else:
        print(f'{info["id"]}: time limit near: requeued {job}', flush=True)
    return EXIT_INTERRUPTED


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog='python -m focal_iou_mmdet.sweep.worker',
        description=__doc__.splitlines()[0])
    p.add_argument('run_dir')
    p.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'],
                   default='none')
    p.add_argument('--nproc', type=int, default=1,
                   help='ranks of a --launcher pytorch run (its GPUs)')
    p.add_argument('--max-attempts', type=int, default=None,
                   help='start the run at most this many times in all')
    args = p.parse_args(argv)
    return train(RunDir(args.run_dir), args.launcher, args.nproc,
                 args.max_attempts)


if __name__ == '__main__':
    sys.exit(main())
