"""The local launcher: a sweep's runs on this machine, ``--jobs`` at a
time, each in its own worker process; where CUDA devices are visible each
run gets its own (``--gpus-per-run``, through ``CUDA_VISIBLE_DEVICES``) and
a run over several GPUs starts its ranks with torchrun.  Safe to kill at any
moment and to run again: done runs are skipped, interrupted ones resume.

A worker holds its run's lock (:class:`~...runs.RunLock`) while it trains,
so a ``running`` record whose lock is free, or whose recorded worker pid is
gone, has no process behind it.
"""
import os
import signal
import socket
import subprocess
from typing import Dict, List, Optional, Sequence

from ...runs import RunDir, RunLockError, RunStatus
from ...runs.run_status import RunState
from ...utils.cli_numbers import Number
from .base import GPUS_PER_RUN, TRAIN_TOOL, WORKER_CMD, Launcher, Task
from .gpu_pool import GpuPool, visible_gpus
from .local_scheduler import LocalScheduler
from .processes import die_with_parent


def free_port() -> int:
    """A TCP port free on this machine now (torchrun's rendezvous of a
    multi-GPU run; each run has its own)."""
    with socket.socket() as s:
        s.bind(('', 0))
        return s.getsockname()[1]


class LocalTask(Task):
    """One run on this machine: one process, or ``nproc`` torchrun ranks
    (one per GPU of the run's ``CUDA_VISIBLE_DEVICES``)."""

    def __init__(self, nproc: int = 1):
        self.nproc = nproc

    def devices(self) -> int:
        return max(1, self.nproc)

    def train_command(self, python: str, train_args: Sequence[str],
                      tool: Sequence[str] = tuple(TRAIN_TOOL)) -> List[str]:
        if self.nproc <= 1:
            return [python] + list(tool) + list(train_args)
        return [python, '-m', 'torch.distributed.run',
                f'--nproc_per_node={self.nproc}',
                f'--master_port={free_port()}', '--no-python', python
                ] + list(tool) + list(train_args) + ['--launcher', 'pytorch']


def worker_command(run_dir: str, gpus: Sequence[str]) -> List[str]:
    """The worker for one run; a run over several GPUs trains with one
    torchrun rank per GPU."""
    cmd = WORKER_CMD + [run_dir, '--launcher', 'local']
    return cmd + (['--nproc', str(len(gpus))] if len(gpus) > 1 else [])


def _pid_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError, TypeError):
        return False
    except PermissionError:
        return True
    return True


class LocalLauncher(Launcher):
    """Trains a sweep's runs on this machine (see the module doc)."""

    name = 'local'
    blocks = True

    def __init__(self, jobs: int = 1, gpus_per_run: int = 1,
                 gpus: Optional[List[str]] = None, poll: float = 0.5):
        self.jobs = max(1, int(jobs))
        self.gpus = visible_gpus() if gpus is None else list(gpus)
        self.pool = GpuPool(self.gpus, gpus_per_run) if self.gpus else None
        self.gpus_per_run = gpus_per_run
        self.poll = poll
        if self.pool is not None and self.jobs > self.pool.capacity:
            print(f'--jobs {self.jobs} lowered to {self.pool.capacity}: '
                  f'{len(self.gpus)} GPU(s) visible, {gpus_per_run} per run',
                  flush=True)
            self.jobs = self.pool.capacity

    @classmethod
    def wrote(cls, status: RunStatus) -> bool:
        """Its records, and those of older versions without a launcher
        and without a job id."""
        return status.launcher == cls.name or (status.launcher is None and
                                               not status.job)

    @classmethod
    def add_arguments(cls, parser) -> None:
        parser.add_argument('--jobs', type=Number(int, 1, 1024), default=1,
                            help='local: runs at a time (default 1)')
        parser.add_argument(
            '--gpus-per-run', type=GPUS_PER_RUN, default=1,
            help='GPUs per run (default 1); local: each run gets its own '
            'through CUDA_VISIBLE_DEVICES, a run over several starts its '
            'ranks with torchrun')

    @classmethod
    def from_args(cls, args, extra) -> 'LocalLauncher':
        return cls(args.jobs, args.gpus_per_run)

    # -- parent side ----------------------------------------------------
    def launch(self, sweep, retry_failed: bool = False,
               force: bool = False) -> int:
        final = LocalScheduler(self, sweep).run(retry_failed, force)
        return 0 if not (final[RunState.FAILED] or
                         final[RunState.PENDING] or
                         final[RunState.UNREADABLE]) else 1

    def start_worker(self, run_dir: RunDir, env: Dict[str, str]
                     ) -> tuple:
        """Start the worker of one run; returns (process, its GPUs)."""
        run_gpus = self.pool.acquire() if self.pool else []
        if self.pool:
            env = dict(env, CUDA_VISIBLE_DEVICES=','.join(run_gpus))
        with open(run_dir.worker_log, 'a') as wlog:
            proc = subprocess.Popen(
                worker_command(run_dir.path, run_gpus), env=env,
                stdout=wlog, stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent)
        return proc, run_gpus

    def release(self, gpus: Sequence[str]) -> None:
        if self.pool:
            self.pool.release(gpus)

    def describe(self, env: Dict[str, str]) -> str:
        return (f'{self.jobs} at a time, OMP_NUM_THREADS='
                f'{env["OMP_NUM_THREADS"]}' +
                (f', {self.gpus_per_run} of GPUs {",".join(self.gpus)} per '
                 'run' if self.pool else ', on CPU (no CUDA device visible)'))

    @classmethod
    def live_view(cls, records: Dict[RunDir, RunStatus]
                  ) -> Dict[RunDir, RunStatus]:
        host = socket.gethostname()
        out = {}
        for d, s in records.items():
            try:
                locked = d.is_locked()
            except RunLockError as e:
                out[d] = RunStatus.unreadable(str(e))
                continue
            if not locked:
                out[d] = s.as_stale('its worker process is gone')
            elif s.host == host and s.pid and not _pid_alive(s.pid):
                # the lock is held, but not by the worker the status records
                out[d] = s.as_stale(
                    f'its worker (pid {s.pid}) is gone, but {d.lock().path} '
                    f'is held by {d.lock().holder() or "another process"}')
            else:
                out[d] = s
        return out

    @classmethod
    def cancel(cls, records: Dict[RunDir, RunStatus]) -> List[str]:
        host, said = socket.gethostname(), []
        for d, s in records.items():
            if s.state != RunState.RUNNING or not s.pid:
                continue
            if s.host != host:
                said.append(f'{d.id}: runs on {s.host}; cancel it there')
            elif _pid_alive(s.pid):
                os.kill(int(s.pid), signal.SIGTERM)
                said.append(f'{d.id}: sent SIGTERM to its worker (pid '
                            f'{s.pid}); it stops and resumes next time')
        return said

    # -- task side ------------------------------------------------------
    @classmethod
    def add_task_arguments(cls, parser) -> None:
        parser.add_argument('--nproc', type=GPUS_PER_RUN, default=1,
                            help='local: ranks of a run over several GPUs '
                            '(torchrun)')

    @classmethod
    def task(cls, args=None) -> Task:
        return LocalTask(getattr(args, 'nproc', 1))


__all__ = ['LocalLauncher', 'LocalTask', 'worker_command']
