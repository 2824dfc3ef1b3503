"""The task side of the SLURM launcher: one array task, its ranks started
by ``srun``, and the signal its sbatch ``--signal=B:SIG@S`` sends before
the time limit (on which the run stops at its checkpoint and the task
requeues itself)."""
import os
import signal
from typing import Dict, List, Optional, Sequence

from ...utils.cli_numbers import Number, shown
from .base import TRAIN_TOOL, SchedulerError, Task, scheduler_call

#: the signals ``--signal`` may name; what suits which site: docs/clusters.md
TIME_LIMIT_SIGNALS = ('USR1', 'USR2', 'TERM', 'HUP')
DEFAULT_SIGNAL = 'USR1'


#: the seconds before the time limit a signal may be asked for: sbatch
#: takes 0-65535 (sbatch(1), --signal); 0 would leave no time to stop
SIGNAL_SECONDS = Number(int, 1, 65535)


def parse_signal(text: str, seconds: int) -> tuple:
    """``'USR2@120'`` -> ``('USR2', 120)``; ``'USR2'`` keeps ``seconds``.
    ValueError naming the bad part."""
    name, _, when = str(text).partition('@')
    name = name.upper()
    name = name[3:] if name.startswith('SIG') else name
    if name not in TIME_LIMIT_SIGNALS:
        raise ValueError(f'--signal: {shown(text)} names no signal of '
                         f'{", ".join(TIME_LIMIT_SIGNALS)} (SIG@SECONDS, '
                         'e.g. USR2@300)')
    if when:
        if not when.isdigit():
            raise ValueError(f'--signal: {shown(text)}: the seconds after '
                             f'@ must be {SIGNAL_SECONDS.need}')
        seconds = SIGNAL_SECONDS.check('--signal SIG@S: S', int(when))
    return name, seconds


def time_limit_seconds(text: str) -> int:
    """sbatch's ``--time`` in seconds: ``M``, ``M:S``, ``H:M:S``,
    ``D-H``, ``D-H:M``, ``D-H:M:S`` (sbatch(1)); ValueError otherwise."""
    days, _, rest = str(text).rpartition('-') if '-' in str(text) else \
        ('', '', str(text))
    parts = rest.split(':')
    if not all(p.isdigit() for p in parts) or not 1 <= len(parts) <= 3 or \
            (days and not days.isdigit()):
        raise ValueError(f'--time {shown(text)}: not a SLURM time limit '
                         '(M, M:S, H:M:S, D-H, D-H:M or D-H:M:S)')
    nums = [int(p) for p in parts]
    if days:
        h, m, sec = (nums + [0, 0])[:3]
        return ((int(days) * 24 + h) * 60 + m) * 60 + sec
    if len(nums) == 3:
        return (nums[0] * 60 + nums[1]) * 60 + nums[2]
    return nums[0] * 60 + (nums[1] if len(nums) == 2 else 0)


def check_signal_time(seconds: int, sbatch_args: Sequence[str]) -> None:
    """The signal must come before the time limit that sbatch's
    ``--time``/``-t`` in ``sbatch_args`` sets (if one does)."""
    limit = None
    args = list(sbatch_args)
    for i, a in enumerate(args):
        value = a.split('=', 1)[1] if a.startswith('--time=') else \
            args[i + 1] if a in ('--time', '-t') and i + 1 < len(args) else \
            a[2:] if a.startswith('-t') and len(a) > 2 else None
        if value is not None:
            limit = time_limit_seconds(value)
    if limit is not None and seconds >= limit:
        raise ValueError(f'--signal: {seconds} s before the time limit, but '
                         f'--time gives each task {limit} s in all; ask for '
                         'fewer seconds or a longer --time')



class SlurmTask(Task):
    """One array task: its ranks started by ``srun``; ``signal_name`` the
    one its sbatch ``--signal`` sends (:data:`TIME_LIMIT_SIGNALS`)."""

    def __init__(self, signal_name: str = DEFAULT_SIGNAL):
        self.time_limit_signal = getattr(signal, 'SIG' + parse_signal(
            signal_name, 0)[0])

    @property
    def job(self) -> Optional[str]:
        env = os.environ
        if 'SLURM_ARRAY_JOB_ID' in env:
            return f'{env["SLURM_ARRAY_JOB_ID"]}_{env["SLURM_ARRAY_TASK_ID"]}'
        return env.get('SLURM_JOB_ID')

    def env(self) -> Dict[str, str]:
        """A rendezvous port distinct per array task (each has its own
        SLURM_JOB_ID) and per restart (the killed ranks of a requeued task
        may still hold a port)."""
        job = int(os.environ.get('SLURM_JOB_ID', '0'))
        restart = int(os.environ.get('SLURM_RESTART_COUNT', '0') or 0)
        return dict(MASTER_PORT=str(20000 + (job * 17 + restart * 7919)
                                    % 40000))

    def train_command(self, python: str, train_args: Sequence[str],
                      tool: Sequence[str] = tuple(TRAIN_TOOL)) -> List[str]:
        return (['srun', '--kill-on-bad-exit=1', python] + list(tool) +
                list(train_args) + ['--launcher', 'slurm'])

    def devices(self) -> int:
        return int(os.environ.get('SLURM_NTASKS', '1') or 1)

    def describe(self) -> str:
        return (f'SLURM job {self.job}, '
                f'{os.environ.get("SLURM_NTASKS", "?")} tasks, '
                f'MASTER_PORT={self.env()["MASTER_PORT"]}')

    def requeue(self) -> Optional[str]:
        job = self.job
        if not job:
            return 'no SLURM job id in the environment'
        try:
            scheduler_call(['scontrol', 'requeue', job], timeout=60)
        except SchedulerError as e:
            # the requeue ends this task: slurmstepd may kill scontrol
            # itself (SIGTERM) before it can say that it worked
            if e.returncode in (-signal.SIGTERM, -signal.SIGKILL):
                return None
            return f'scontrol requeue {job}: {e}'
        return None


__all__ = ['DEFAULT_SIGNAL', 'SIGNAL_SECONDS', 'TIME_LIMIT_SIGNALS', 'SlurmTask',
           'check_signal_time', 'parse_signal', 'time_limit_seconds']
