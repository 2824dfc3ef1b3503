"""What a launcher is: the one interface between a sweep and the place its
runs train (this machine, a SLURM cluster, ...).

A launcher has two sides, both in its own module:

* the **parent side** (``tools/sweep.py run|status|cancel``): its command-line
  options (:meth:`Launcher.add_arguments`), starting the runs a sweep has to
  train (:meth:`Launcher.launch`), telling whether the run records it wrote
  still have a live process behind them (:meth:`Launcher.live_view`), and
  stopping them (:meth:`Launcher.cancel`);
* the **task side** (:class:`Task`, in the worker process that trains one
  run): the command that trains it, the environment it needs, the job it
  belongs to, and what to do when its time runs out.

Adding a launcher is one module: subclass both, and name it in
:data:`..launchers.LAUNCHERS`.
"""
import abc
import argparse
import subprocess
import sys
from typing import ClassVar, Dict, List, Optional, Sequence

from ...runs import RunDir, RunStatus
from ...utils.cli_numbers import Number

#: ``--gpus-per-run``, an option of every launcher: one declaration
GPUS_PER_RUN = Number(int, 1, 1024)

#: how a launcher starts the worker of one run (its folder follows)
WORKER_CMD = [sys.executable, '-u', '-m',
              'focal_iou_mmdet.sweep.launchers.worker']
#: how a worker starts mmdet's tools/train.py with this package registered
TRAIN_TOOL = ['-c', 'from focal_iou_mmdet import register_all_modules; '
              'register_all_modules(); '
              'from focal_iou_mmdet.utils import run_mmdet_tool; '
              'run_mmdet_tool("train.py")']
#: seconds a scheduler command (squeue, sbatch, ...) may take
SCHEDULER_TIMEOUT_S = 30.0
#: the worker's exit codes (:mod:`.worker`), which the local launcher reads
EXIT_DONE, EXIT_FAILED, EXIT_LOCKED, EXIT_INTERRUPTED = 0, 1, 4, 143


class SchedulerError(RuntimeError):
    """A scheduler command failed, hung or is missing: what it knows is
    not known now (the runs' states may be stale).  ``returncode``: the
    command's exit code where it ran (negative: killed by that signal)."""

    def __init__(self, message: str, returncode: Optional[int] = None):
        super().__init__(message)
        self.returncode = returncode


def scheduler_call(cmd: Sequence[str], timeout: Optional[float] = None,
                   ok_stderr: Sequence[str] = ()) -> str:
    """Run a scheduler command; its stdout, or :class:`SchedulerError`
    naming the command and why (not found, timed out, exit code).  An exit
    whose stderr holds one of ``ok_stderr`` is not an error.  ``timeout``
    defaults to :data:`SCHEDULER_TIMEOUT_S`."""
    timeout = SCHEDULER_TIMEOUT_S if timeout is None else timeout
    try:
        out = subprocess.run(list(cmd), capture_output=True, text=True,
                             timeout=timeout)
    except FileNotFoundError:
        raise SchedulerError(f'{cmd[0]}: not found on PATH') from None
    except subprocess.TimeoutExpired:
        raise SchedulerError(f'{cmd[0]}: no answer in {timeout:g} s') \
            from None
    except OSError as e:
        raise SchedulerError(f'{cmd[0]}: {e.strerror or e}') from None
    if out.returncode != 0 and not any(w in out.stderr for w in ok_stderr):
        raise SchedulerError(f'{cmd[0]} failed (exit {out.returncode}): '
                             f'{out.stderr.strip()[:200]}', out.returncode)
    return out.stdout


class Task(abc.ABC):
    """What the worker that trains one run needs from its launcher."""

    #: a signal that warns of the task's time limit (None: none)
    time_limit_signal: ClassVar[Optional[int]] = None

    @property
    def job(self) -> Optional[str]:
        """The launcher's id of this task (None: no job system)."""
        return None

    def env(self) -> Dict[str, str]:
        """Variables the training process needs besides the run's own."""
        return {}

    @abc.abstractmethod
    def train_command(self, python: str, train_args: Sequence[str],
                      tool: Sequence[str] = tuple(TRAIN_TOOL)) -> List[str]:
        """The command that trains: ``python`` running ``tool`` (mmdet's
        train.py with this package; a code snapshot's ``train.py``) with
        ``train_args`` (:meth:`~...runs.RunDir.train_args`)."""

    def describe(self) -> str:
        """Said in the run's training log at each attempt."""
        return ''

    def devices(self) -> int:
        """The devices (GPUs, or CPU ranks) one attempt trains on."""
        return 1

    def requeue(self) -> Optional[str]:
        """Hand the task back to the job system after a time-limit
        warning; None when done, else why not."""
        return 'this launcher cannot requeue a task'


class Launcher(abc.ABC):
    """A place where a sweep's runs train (see the module doc)."""

    name: ClassVar[str]
    #: whether arguments the sweep does not know pass through to it
    takes_extra_args: ClassVar[bool] = False
    #: whether :meth:`launch` returns only when the runs have ended (else
    #: it submits them and returns)
    blocks: ClassVar[bool] = False

    @property
    def dry_run(self) -> bool:
        """Whether :meth:`launch` only shows what it would do (then
        nothing is written: not the run folders either)."""
        return False

    @classmethod
    def wrote(cls, status: RunStatus) -> bool:
        """Whether this launcher wrote the active record ``status`` (it
        names its launcher; a launcher may also claim the records of older
        versions that did not)."""
        return status.launcher == cls.name

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """Add this launcher's options to ``run``'s parser."""

    @classmethod
    @abc.abstractmethod
    def from_args(cls, args: argparse.Namespace,
                  extra: Sequence[str]) -> 'Launcher':
        """The launcher that ``run``'s arguments ask for (ValueError with
        the option's name when they do not fit)."""

    @abc.abstractmethod
    def launch(self, sweep, retry_failed: bool = False,
               force: bool = False) -> int:
        """Start (or submit) the runs of ``sweep`` (the observing stage's
        ``SweepState``, handed in by the caller) that need training;
        returns the command's exit code."""

    @classmethod
    @abc.abstractmethod
    def live_view(cls, records: Dict[RunDir, RunStatus]
                  ) -> Dict[RunDir, RunStatus]:
        """The queued/running records this launcher wrote, as they really
        are: one whose process is gone reads as pending
        (:meth:`~...runs.RunStatus.as_stale`), one whose liveness cannot
        be probed keeps its state with a note that it may be stale
        (:meth:`~...runs.RunStatus.as_unverified`).  Nothing is
        written."""

    @classmethod
    @abc.abstractmethod
    def cancel(cls, records: Dict[RunDir, RunStatus]) -> List[str]:
        """Stop the live runs among ``records``; one line per action."""

    @classmethod
    def add_task_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """Add the worker's options this launcher's task side takes (its
        parent side writes them into the worker command); none here."""

    @classmethod
    @abc.abstractmethod
    def task(cls, args: Optional[argparse.Namespace] = None) -> Task:
        """The task side, in a worker started by this launcher: ``args``
        are the worker's options (:meth:`add_task_arguments`; None: their
        defaults)."""
