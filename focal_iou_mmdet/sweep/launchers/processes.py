"""Child-process helpers shared by the launchers and the worker: tie a
child's life to its parent, show the end of a failed process's log, the
workers' environment, and stopping signalled workers."""
import ctypes
import os
import signal
import subprocess
import time
from typing import Dict


def die_with_parent():
    """preexec_fn: SIGTERM this child when its parent dies (Linux), so a
    killed sweep or worker leaves no orphan training behind."""
    try:
        ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:
        pass


def error_tail(log_path: str, lines: int = 15) -> str:
    """The last error lines and the tail of a log, for a failure message."""
    try:
        with open(log_path, errors='replace') as f:
            tail = f.read()[-20000:].splitlines()
    except OSError:
        return ''
    errors = [ln for ln in tail if 'Error' in ln or 'error:' in ln]
    return '\n'.join((errors[-3:] if errors else []) + tail[-lines:])


def disk_full(path: str, margin: int = 64 * 1024) -> bool:
    """Whether the file system holding ``path`` has less than ``margin``
    bytes left (a training that failed there likely failed for that, and
    its log may have lost the line that says so)."""
    try:
        st = os.statvfs(path)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < margin


def worker_env(jobs: int) -> Dict[str, str]:
    """The workers' environment: the cores shared between the runs."""
    env = dict(os.environ)
    if 'OMP_NUM_THREADS' not in env:
        env['OMP_NUM_THREADS'] = str(max(1, (os.cpu_count() or 1) // jobs))
    return env


def wait_or_kill(procs, timeout: float = 60) -> None:
    """Wait for signalled workers to stop; kill those that do not."""
    deadline = time.time() + timeout
    for proc in procs:
        try:
            proc.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            proc.kill()
