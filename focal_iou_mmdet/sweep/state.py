"""A sweep's view of its runs' states (each run's own state lives in its
folder, :class:`~focal_iou_mmdet.runs.RunDir`).

A ``running`` or ``queued`` record whose process is gone -- the worker's lock
is free, or its SLURM job left the queue -- reads as ``pending``: nothing is
lost when a sweep or a node dies, and the run resumes from its checkpoint.
"""
import os
import shutil
import socket
import subprocess
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from ..runs import (STATES, RunDir, RunLockError, RunStateError,
                    sessions_seconds)
from .spec import Run, SweepSpec

#: the stored states, and ``unreadable`` for a run whose status file or lock
#: cannot be read (shown with the path and the reason, never a traceback)
VIEW_STATES = STATES + ('unreadable', )


def slurm_jobs_alive(job_ids: Iterable[str]) -> Optional[Dict[str, str]]:
    """``{job id: SLURM state}`` of those still queued or running (array
    tasks as ``<array job>_<task>``); None when squeue is not available."""
    job_ids = sorted({str(j) for j in job_ids if j})
    if not job_ids:
        return {}
    if shutil.which('squeue') is None:
        return None
    arrays = sorted({j.split('_')[0] for j in job_ids})
    out = subprocess.run(['squeue', '-h', '-r', '-j', ','.join(arrays), '-o',
                          '%i %T'], capture_output=True, text=True)
    if out.returncode != 0 and 'Invalid job id' not in out.stderr:
        return None
    alive = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2:
            alive[parts[0]] = parts[1]
    return alive


def _pid_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError, TypeError):
        return False
    except PermissionError:
        return True
    return True


def _read(d: RunDir) -> dict:
    try:
        return d.read_status()
    except RunStateError as e:
        return dict(state='unreadable', message=str(e), attempts=0,
                    sessions=[])


def effective_states(run_dirs: Sequence[RunDir]) -> Dict[RunDir, dict]:
    """Each run's status with ``state`` corrected for dead processes: a
    ``running``/``queued`` run whose worker or job is gone is ``pending``
    again (``stale`` says why); a run whose status or lock cannot be read
    is ``unreadable`` (``message`` names the path and the reason).  The
    files are not rewritten."""
    statuses = {d: _read(d) for d in run_dirs}
    jobs = [s.get('job') for s in statuses.values()
            if s['state'] in ('running', 'queued') and s.get('job')]
    alive = slurm_jobs_alive(jobs)
    host = socket.gethostname()
    for d, s in statuses.items():
        if s['state'] not in ('running', 'queued'):
            continue
        if s.get('job'):
            if alive is not None and s['job'] not in alive:
                s['stale'] = f'SLURM job {s["job"]} is no longer queued'
                s['state'] = 'pending'
            continue
        try:
            locked = d.is_locked()
        except RunLockError as e:
            s['state'], s['message'] = 'unreadable', str(e)
            continue
        if not locked:
            s['stale'] = 'its worker process is gone'
            s['state'] = 'pending'
        elif s.get('host') == host and s.get('pid') and \
                not _pid_alive(s['pid']):
            # the lock is held, but not by the worker the status records
            s['stale'] = (f'its worker (pid {s["pid"]}) is gone, but '
                          f'{d.lock().path} is held by '
                          f'{d.lock().holder() or "another process"}')
            s['state'] = 'pending'
    return statuses


def runs_to_start(spec: SweepSpec, runs: Sequence[Run], retry_failed: bool,
                  skip: Set[str] = frozenset(), force: bool = False
                  ) -> Tuple[List[Run], List[Run], Dict[RunDir, dict]]:
    """(runs to start now, runs a live local worker elsewhere holds, every
    run's effective status).  An unreadable run is not started; with
    ``force`` an unreadable status file is moved aside and rebuilt."""
    states = effective_states([spec.run_dir(r.id) for r in runs])
    todo, held = [], []
    for r in runs:
        if r.id in skip:
            continue
        d = spec.run_dir(r.id)
        s = states[d]
        if s['state'] == 'unreadable' and force and \
                s['message'].startswith('unreadable:'):
            d.reset_status('unreadable, rebuilt by --force')
            s = states[d] = _read(d)
        if s['state'] == 'pending' or (retry_failed and
                                       s['state'] == 'failed'):
            todo.append(r)
        elif s['state'] == 'running' and not s.get('job'):
            held.append(r)
    return todo, held, states


def train_seconds(status: dict) -> Optional[float]:
    return sessions_seconds(status.get('sessions', []))


def counts(statuses: Iterable[dict]) -> Dict[str, int]:
    out = {s: 0 for s in VIEW_STATES}
    for st in statuses:
        out[st['state']] += 1
    return out


def eta_seconds(statuses: List[dict], parallel: int) -> Optional[float]:
    """Remaining time: mean training time of done runs x runs left /
    runs in parallel (None until one run is done)."""
    done = [train_seconds(s) for s in statuses if s['state'] == 'done']
    done = [d for d in done if d]
    left = sum(1 for s in statuses if s['state'] in ('pending', 'queued',
                                                     'running'))
    if not done or not left:
        return 0.0 if not left else None
    return sum(done) / len(done) * left / max(1, parallel)


def fmt_duration(seconds: Optional[float]) -> str:
    if seconds is None:
        return '-'
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f'{h}h{m:02d}m' if h else (f'{m}m{s:02d}s' if m else f'{s}s')
