"""Per-run status of a sweep, stored atomically in ``<run dir>/status.json``.

States: ``pending`` (not started, or interrupted: it resumes from its last
checkpoint), ``queued`` (in a SLURM array not started yet), ``running``,
``done``, ``failed``.  A ``running`` record whose process is gone -- the
worker's lock on ``<run dir>/.lock`` is free, or its SLURM job left the
queue -- reads as ``pending``: nothing is lost when a sweep or a node dies.
"""
import fcntl
import json
import os
import os.path as osp
import shutil
import subprocess
import time
from typing import Dict, Iterable, List, Optional

from ..utils.json_io import write_json

STATUS = 'status.json'
LOCK = '.lock'
STATES = ('pending', 'queued', 'running', 'done', 'failed')


def read_status(run_dir: str) -> dict:
    path = osp.join(run_dir, STATUS)
    if osp.exists(path):
        with open(path) as f:
            return json.load(f)
    return dict(state='pending', attempts=0, sessions=[])


def update_status(run_dir: str, **fields) -> dict:
    status = read_status(run_dir)
    status.update(fields)
    status['updated'] = time.time()
    write_json(osp.join(run_dir, STATUS), status)
    return status


class RunLock:
    """An exclusive, non-blocking lock on a run dir, held by the process
    that trains the run and released by the kernel when it dies."""

    def __init__(self, run_dir: str):
        self.path = osp.join(run_dir, LOCK)
        self.fd = None

    def acquire(self) -> bool:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self.fd)
            self.fd = None
            return False
        return True

    def release(self):
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def is_locked(run_dir: str) -> bool:
    if not osp.exists(osp.join(run_dir, LOCK)):
        return False
    lock = RunLock(run_dir)
    if lock.acquire():
        lock.release()
        return False
    return True


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


def effective_states(run_dirs: List[str]) -> Dict[str, dict]:
    """Each run's status with ``state`` corrected for dead processes:
    a ``running``/``queued`` run whose worker or job is gone is
    ``pending`` again (``stale`` says why)."""
    statuses = {d: read_status(d) for d in run_dirs}
    jobs = [s.get('job') for s in statuses.values()
            if s['state'] in ('running', 'queued') and s.get('job')]
    alive = slurm_jobs_alive(jobs)
    for d, s in statuses.items():
        if s['state'] not in ('running', 'queued'):
            continue
        if s.get('job'):
            if alive is not None and s['job'] not in alive:
                s['stale'] = f'SLURM job {s["job"]} is no longer queued'
                s['state'] = 'pending'
        elif not is_locked(d):
            s['stale'] = 'its worker process is gone'
            s['state'] = 'pending'
    return statuses


def train_seconds(status: dict) -> Optional[float]:
    secs = [s.get('seconds') for s in status.get('sessions', [])
            if s.get('seconds') is not None]
    return round(sum(secs), 1) if secs else None


def counts(statuses: Iterable[dict]) -> Dict[str, int]:
    out = {s: 0 for s in STATES}
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
