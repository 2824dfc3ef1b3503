"""What a SLURM cluster lets one user submit, read where it is kept:

* ``MaxArraySize`` and ``MaxJobCount`` from ``scontrol show config``;
* ``MaxSubmitJobs`` of the user's associations and
  ``MaxSubmitJobsPerUser``/``MaxSubmitJobs`` of their QOS from
  ``sacctmgr`` (where accounting runs; every array task counts as a job);
* the user's jobs now in the queue (``squeue -r``: array tasks one by
  one).

The SLURM launcher never holds more jobs in the queue than the smallest of
those limits (or ``--max-submit``): it submits what fits and tops the
queue up as it drains (:mod:`.slurm`).
"""
import getpass
import os
from typing import Dict, List, Optional

from .base import SchedulerError, scheduler_call

#: SLURM's default MaxArraySize (the highest index is one less)
DEFAULT_MAX_ARRAY_SIZE = 1001
#: SLURM's own ceiling on MaxArraySize (slurm.conf(5)): no array is larger
MAX_ARRAY = 4_000_001


def cluster_limits() -> Dict[str, int]:
    """``MaxArraySize`` and ``MaxJobCount`` from ``scontrol show config``
    (what is visible; {} when scontrol cannot say)."""
    try:
        out = scheduler_call(['scontrol', 'show', 'config'])
    except SchedulerError:
        return {}
    limits = {}
    for line in out.splitlines():
        key, _, value = line.partition('=')
        if key.strip() in ('MaxArraySize', 'MaxJobCount') and \
                value.strip().isdigit():
            limits[key.strip()] = int(value.strip())
    return limits


def array_chunks(n: int, max_array_size: int) -> List[range]:
    """The runs 0..n-1 split into arrays of at most ``max_array_size``."""
    size = max(1, max_array_size)
    return [range(i, min(n, i + size)) for i in range(0, n, size)]


def user() -> str:
    return os.environ.get('USER') or getpass.getuser()


def submit_limits(name: Optional[str] = None) -> Dict[str, int]:
    """``{'MaxSubmitJobs (association)': n, 'MaxSubmitJobsPerUser (QOS
    x)': m, ...}`` for user ``name`` ({} without accounting: sacctmgr
    missing, failing or silent)."""
    name = name or user()
    found: Dict[str, int] = {}
    try:
        assoc = scheduler_call(['sacctmgr', '-n', '-P', 'show', 'assoc',
                                f'user={name}', 'format=MaxSubmitJobs,QOS'])
    except SchedulerError:
        return found
    qos_names = set()
    for line in assoc.splitlines():
        limit, _, qos = line.partition('|')
        if limit.strip().isdigit():
            found['MaxSubmitJobs (association)'] = min(
                int(limit), found.get('MaxSubmitJobs (association)',
                                      int(limit)))
        qos_names.update(q.strip() for q in qos.split(',') if q.strip())
    for qos in sorted(qos_names):
        try:
            out = scheduler_call(['sacctmgr', '-n', '-P', 'show', 'qos',
                                  qos, 'format=MaxSubmitJobsPerUser,'
                                  'MaxSubmitJobs'])
        except SchedulerError:
            continue
        for k, n in zip(('MaxSubmitJobsPerUser', 'MaxSubmitJobs'),
                        (out.splitlines() or [''])[0].split('|')):
            if n.strip().isdigit():
                found[f'{k} (QOS {qos})'] = int(n)
    return found


def queue_limit(max_submit: Optional[int]) -> Optional[tuple]:
    """``(jobs, why)``: the most jobs this user may hold in the queue, and
    which limit says so (``--max-submit`` wins); None: no limit known."""
    if max_submit is not None:
        return max_submit, '--max-submit'
    limits = submit_limits()
    if not limits:
        return None
    why = min(limits, key=limits.get)
    return limits[why], why


def queued_tasks(name: Optional[str] = None) -> int:
    """The user's jobs in the queue now, array tasks one by one
    (:class:`SchedulerError` when squeue cannot say)."""
    out = scheduler_call(['squeue', '-h', '-r', '-u', name or user(),
                          '-o', '%i'])
    return sum(1 for line in out.splitlines() if line.strip())
