"""SLURM's options, declared once: each :class:`SlurmOptions` field that is
a ``run`` option carries its flag, type (with its range), help and
default; the command line is derived from them and read back into them
(as submitit derives sbatch parameters from one signature)."""
import dataclasses
from dataclasses import dataclass, field
from typing import List, Optional

from ...utils.cli_numbers import Number
from .base import GPUS_PER_RUN
from .slurm_limits import MAX_ARRAY
from .slurm_task import (DEFAULT_SIGNAL, SIGNAL_SECONDS, TIME_LIMIT_SIGNALS,
                         check_signal_time, parse_signal)


def _cli(default, flag: str, help: str, type=None, metavar=None):
    """A :class:`SlurmOptions` field that is also a ``run`` option: its
    flag, type (range), help and default, declared once."""
    return field(default=default, metadata=dict(
        flag=flag, help=help, type=type, metavar=metavar))


@dataclass
class SlurmOptions:
    """How each array task is sized and where it runs: every field with a
    flag is a ``run`` option (:meth:`SlurmLauncher.add_arguments` derives
    them, :meth:`SlurmLauncher.from_args` reads them back).

    ``gpus_per_run`` srun tasks (ranks) per run, ``gpus_per_node`` of them
    per node (default: all on one node, at most 8), ``gres`` default
    ``gpu:<ranks per node>`` (``''``: a cluster without GPUs, the ranks use
    gloo), ``max_parallel`` the array throttle, ``extra_args`` passed to
    sbatch as they are (e.g. ``--time=48:00:00``)."""
    partition: Optional[str] = _cli(None, '--partition',
                                    'slurm: the partition (needed)')
    gpus_per_run: int = _cli(1, '--gpus-per-run', 'slurm: the srun tasks '
                             '(ranks) of each array task', GPUS_PER_RUN)
    gpus_per_node: Optional[int] = _cli(
        None, '--gpus-per-node', 'slurm: ranks per node (default: min(G, '
        '8))', Number(int, 1, 64))
    cpus_per_task: int = _cli(5, '--cpus-per-task', 'slurm: CPUs per rank, '
                              'as mmdet', Number(int, 1, 1024))
    gres: Optional[str] = _cli(None, '--gres', "slurm: default gpu:<ranks "
                               "per node>; '' for a cluster without GPUs")
    max_parallel: Optional[int] = _cli(None, '--max-parallel', 'slurm: '
                                       'array throttle %%K',
                                       Number(int, 1, MAX_ARRAY))
    job_name: Optional[str] = _cli(None, '--job-name', 'slurm: the jobs\' '
                                   'name (default: the sweep\'s)')
    #: seconds before the time limit that the signal comes (--signal SIG@S
    #: wins)
    time_limit_warning_s: int = _cli(
        300, '--time-limit-warning', "slurm: seconds before a task's time "
        'limit at which it stops and requeues itself (SIG@S in --signal '
        'wins)', SIGNAL_SECONDS, 'S')
    #: the signal SLURM sends time_limit_warning_s before the end
    time_limit_signal: str = DEFAULT_SIGNAL
    max_attempts: int = _cli(5, '--max-attempts', 'slurm: starts of one '
                             'run in all (time limits, preemptions, '
                             'requeues) before it is marked failed',
                             Number(int, 1, 1000))
    extra_args: List[str] = field(default_factory=list)
    #: tasks per array at most (None: the cluster's MaxArraySize)
    max_array_size: Optional[int] = _cli(
        None, '--max-array-size', "slurm: tasks per array at most (default: "
        "the cluster's MaxArraySize, 1001 when it cannot be read)",
        Number(int, 1, MAX_ARRAY))
    #: jobs (array tasks) held in the queue at most (None: the user's
    #: MaxSubmitJobs limits from sacctmgr, where accounting runs)
    max_submit: Optional[int] = _cli(
        None, '--max-submit', 'slurm: jobs (array tasks count) held in the '
        'queue at most (default: your MaxSubmitJobs limits from sacctmgr); '
        'the rest are submitted as the queue drains', Number(int, 1, 10**9),
        'N')
    #: seconds between top-ups while runs wait for room in the queue
    submit_poll_s: float = _cli(30.0, '--submit-poll', 'slurm: seconds '
                                'between those top-ups',
                                Number(float, 0, 86400, low_open=True), 'S')
    #: print the scripts and sbatch commands instead of submitting
    dry_run: bool = _cli(False, '--dry-run', 'slurm: print the scripts and '
                         'submit commands, submit nothing')

    @classmethod
    def cli_fields(cls):
        """The fields that are ``run`` options, in declaration order."""
        return [f for f in dataclasses.fields(cls) if 'flag' in f.metadata]

    @property
    def ranks_per_node(self) -> int:
        return self.gpus_per_node or min(self.gpus_per_run, 8)

    @property
    def nodes(self) -> int:
        return -(-self.gpus_per_run // self.ranks_per_node)


def add_slurm_arguments(parser) -> None:
    """``run``'s SLURM options, derived from :class:`SlurmOptions`."""
    for f in SlurmOptions.cli_fields():
        m = f.metadata
        if f.type is bool or isinstance(f.default, bool):
            parser.add_argument(m['flag'], action='store_true',
                                help=m['help'])
            continue
        shown = '' if f.default is None or 'default' in m['help'] \
            else f' (default {f.default:g})' if isinstance(
                f.default, float) else f' (default {f.default})'
        kwargs = dict(type=m['type']) if m['type'] else {}
        if m['metavar']:
            kwargs['metavar'] = m['metavar']
        parser.add_argument(m['flag'], default=f.default,
                            help=m['help'] + shown, **kwargs)
    parser.add_argument(
        '--signal', default=DEFAULT_SIGNAL, metavar='SIG[@S]',
        help='slurm: the signal SLURM sends S seconds before a task\'s '
        'time limit, on which it checkpoints and requeues itself: '
        + ', '.join(TIME_LIMIT_SIGNALS) + f' (default {DEFAULT_SIGNAL}'
        f'@{SlurmOptions.time_limit_warning_s}; which suits a site: '
        'docs/clusters.md)')

def slurm_options_from_args(args, extra) -> SlurmOptions:
    """The :class:`SlurmOptions` that ``run``'s arguments give (ValueError
    naming the option that does not fit)."""
    values = {f.name: getattr(args, f.metadata['flag'][2:].replace(
        '-', '_')) for f in SlurmOptions.cli_fields()}
    if not values['partition']:
        raise ValueError('--launcher slurm needs --partition')
    sig, seconds = parse_signal(args.signal,
                                values['time_limit_warning_s'])
    check_signal_time(seconds, extra)
    values.update(time_limit_warning_s=seconds, time_limit_signal=sig,
                  extra_args=list(extra))
    return SlurmOptions(**values)


__all__ = ['SlurmOptions', 'add_slurm_arguments', 'slurm_options_from_args']
