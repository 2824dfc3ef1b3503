"""The SLURM launcher: every fact about SLURM that a sweep needs.

``run --launcher slurm`` submits a sweep's runs as ``sbatch --array`` jobs
of at most the cluster's ``MaxArraySize`` tasks each (read from ``scontrol
show config``; ``--max-array-size`` overrides it), throttled with ``%K``
and ``--requeue``; with ``--max-parallel K`` each array waits for the one
before (``--dependency=afterany``), so K bounds the tasks in flight in all.  Task ``i`` runs the worker on
line ``i + 1`` of an index file of run folders; the worker ``srun``s mmdet's
train.py over the task's ranks with a rendezvous port of its own
(:meth:`SlurmTask.env`).  ``--signal=B:SIG@S`` (``--signal SIG@S``,
default ``USR1@300``; :data:`TIME_LIMIT_SIGNALS`) warns a task ``S``
seconds before its time limit or a preemption: the worker stops training
and the task requeues itself (``scontrol requeue``), so the run resumes
from its last checkpoint.
A queued/running record whose job has left ``squeue`` has no process behind
it; ``cancel`` is ``scancel`` of the jobs still queued.
"""
import json
import os
import os.path as osp
import shlex
import shutil
import time
from typing import Dict, Iterable, List, Optional, Sequence

from ...runs import RunDir, RunStatus
from ...runs.run_status import RunState
from ...utils.display import relpath
from ...utils.json_io import write_json
from .base import WORKER_CMD, Launcher, SchedulerError, Task, scheduler_call
from .slurm_limits import (DEFAULT_MAX_ARRAY_SIZE, array_chunks,
                           cluster_limits, queue_limit, queued_tasks)
from .slurm_options import (SlurmOptions, add_slurm_arguments,
                            slurm_options_from_args)
from .slurm_task import DEFAULT_SIGNAL, SlurmTask, parse_signal


def sbatch_script(sweep: str, index: str,
                  worker_cmd: Sequence[str] = WORKER_CMD,
                  max_attempts: int = 5,
                  time_limit_signal: str = DEFAULT_SIGNAL) -> str:
    """The array job's script: task i trains the run on line i + 1 of
    ``index``.  The worker replaces the shell (``exec``), so the time-limit
    signal reaches it.  Every value in it is quoted."""
    return (
        '#!/usr/bin/env bash\n'
        f'# sweep {shlex.quote(sweep)}: task i trains the run on line i+1 '
        'of INDEX\n'
        '# (written by tools/sweep.py run --launcher slurm)\n'
        f'INDEX={shlex.quote(index)}\n'
        'RUN_DIR=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$INDEX")\n'
        f'exec {" ".join(shlex.quote(c) for c in worker_cmd)} '
        f'"$RUN_DIR" --launcher slurm --max-attempts {int(max_attempts)}'
        + (f' --time-limit-signal {parse_signal(time_limit_signal, 0)[0]}'
           if time_limit_signal != DEFAULT_SIGNAL else '') + '\n')


def sbatch_command(sweep: str, num_tasks: int, script: str, log_dir: str,
                   opts: SlurmOptions,
                   after: Optional[str] = None) -> List[str]:
    """``sbatch`` arguments for an array of ``num_tasks`` runs (``after``:
    the array job it waits for, so that arrays of one submission run one
    after another and ``%K`` bounds them all)."""
    gres = f'gpu:{opts.ranks_per_node}' if opts.gres is None else opts.gres
    array = f'0-{num_tasks - 1}' + (f'%{opts.max_parallel}'
                                    if opts.max_parallel else '')
    return (['sbatch', '--parsable', f'--array={array}', '--requeue',
             f'--signal=B:{opts.time_limit_signal}@'
             f'{opts.time_limit_warning_s}',
             f'--partition={opts.partition}',
             f'--job-name={opts.job_name or "sweep-" + sweep}',
             f'--nodes={opts.nodes}', f'--ntasks={opts.gpus_per_run}',
             f'--ntasks-per-node={opts.ranks_per_node}',
             f'--cpus-per-task={opts.cpus_per_task}',
             f'--output={osp.join(log_dir, "%A_%a.out")}',
             # a requeued task appends: its earlier attempts stay readable
             '--open-mode=append'] +
            ([f'--dependency=afterany:{after}'] if after else []) +
            ([f'--gres={gres}'] if gres else []) + list(opts.extra_args) +
            [script])


def jobs_alive(job_ids: Iterable[str]) -> Dict[str, str]:
    """``{job id: SLURM state}`` of those still queued or running (array
    tasks as ``<array job>_<task>``); :class:`SchedulerError` when squeue
    is missing, hangs or fails."""
    job_ids = sorted({str(j) for j in job_ids if j})
    if not job_ids:
        return {}
    arrays = sorted({j.split('_')[0] for j in job_ids})
    out = scheduler_call(['squeue', '-h', '-r', '-j', ','.join(arrays),
                          '-o', '%i %T'], ok_stderr=('Invalid job id', ))
    alive = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2:
            alive[parts[0]] = parts[1]
    return alive


class SlurmLauncher(Launcher):
    """Submits a sweep's runs as SLURM arrays of at most MaxArraySize tasks
    (see the module doc)."""

    name = 'slurm'
    takes_extra_args = True  # sbatch's own, e.g. --time=48:00:00

    def __init__(self, opts: SlurmOptions):
        self.opts = opts

    @property
    def dry_run(self) -> bool:
        return self.opts.dry_run

    @classmethod
    def wrote(cls, status: RunStatus) -> bool:
        """Its records, and those of older versions without a launcher
        but with a job id."""
        return status.launcher == cls.name or (status.launcher is None and
                                               bool(status.job))

    @classmethod
    def add_arguments(cls, parser) -> None:
        add_slurm_arguments(parser)

    @classmethod
    def from_args(cls, args, extra) -> 'SlurmLauncher':
        return cls(slurm_options_from_args(args, extra))

    # -- parent side ----------------------------------------------------
    def launch(self, sweep, retry_failed: bool = False,
               force: bool = False) -> int:
        """Submit; while runs wait for room in the queue (a submit limit),
        stay and top the queue up as it drains (Ctrl-C stops; the next
        ``run`` goes on)."""
        try:
            self.submit(sweep, retry_failed, force)
            while self.waiting and not self.opts.dry_run:
                time.sleep(self.opts.submit_poll_s)
                self.submit(sweep, retry_failed=False)
        except RuntimeError as e:
            print(f'error: {e}', flush=True)
            return 2
        return 0

    #: runs the last :meth:`submit` left for lack of room in the queue
    waiting = 0

    def _room(self, n: int) -> int:
        """How many of ``n`` runs fit in the queue now (the limit, less
        the user's jobs in it); says so when not all."""
        if self.opts.dry_run:  # asks nothing of the cluster
            return n
        limit = queue_limit(self.opts.max_submit)
        if limit is None:
            return n
        most, why = limit
        try:
            used = queued_tasks()
        except SchedulerError as e:
            raise RuntimeError(f'cannot count your queued jobs ({e}); the '
                               f'queue holds at most {most} ({why})') from None
        room = max(0, min(n, most - used))
        if room < n:
            runs = f'{n - room} run' + ('s wait' if n - room != 1 else ' waits')
            print(f'{runs} for room in the queue: it holds at '
                  f'most {most} of your jobs ({why}), {used} are in it now',
                  flush=True)
        return room

    def submit(self, sweep, retry_failed: bool = False,
               force: bool = False) -> Optional[str]:
        """Submit the runs to start; returns the array job id (None when
        nothing is to start).  RuntimeError when sbatch fails.  Runs whose
        status cannot be read are skipped (``force`` rebuilds it)."""
        if shutil.which('sbatch') is None and not self.opts.dry_run:
            raise RuntimeError('--launcher slurm: sbatch is not on PATH (run '
                               'this on a SLURM login node, or use '
                               '--launcher local)')
        spec = sweep.spec
        todo, _, states = sweep.to_start(retry_failed, force=force)
        for d, st in states.items():
            if st.state == RunState.UNREADABLE:
                print(f'  skip   {d.id}: {st.message}', flush=True)
        room = self._room(len(todo))
        self.waiting = len(todo) - room
        todo = todo[:room]
        if not todo and self.waiting:
            return None
        if not todo:
            c = sweep.counts(states)
            print(f'sweep {spec.name!r}: nothing to submit ({c["done"]} '
                  f'done, {c["queued"] + c["running"]} queued or running, '
                  f'{c["failed"]} failed)', flush=True)
            return None
        limit = self.opts.max_array_size or cluster_limits().get(
            'MaxArraySize', DEFAULT_MAX_ARRAY_SIZE)
        jobs, sdir = self._sbatch_arrays(spec, todo, limit)
        if self.opts.dry_run:
            return None
        for job, chunk in jobs:
            for i, r in enumerate(chunk):
                d = spec.run_dir(r.id)
                d.write_status(d.read_status().queued(self.name,
                                                      f'{job}_{i}'))
        print(f'submitted {len(todo)} runs as {len(jobs)} array job(s) '
              f'{", ".join(j for j, _ in jobs)} (at most {limit} tasks an '
              'array' + (f', {self.opts.max_parallel} at a time in all'
                         if self.opts.max_parallel else '')
              + f'); logs {relpath(sdir)}/<job>_<task>.out; follow with '
              f'`tools/sweep.py status {relpath(spec.path)}`', flush=True)
        return jobs[0][0]

    def _sbatch_arrays(self, spec, todo, limit: int) -> tuple:
        """Write an index and a script per array and submit them (or, with
        ``dry_run``, print them); arrays after the first wait for the one
        before when ``max_parallel`` bounds the tasks in flight."""
        sdir = osp.join(spec.work_dir, 'slurm')
        stamp = time.strftime('%Y%m%d_%H%M%S')
        jobs, after = [], None
        for k, part in enumerate(array_chunks(len(todo), limit)):
            chunk = [todo[i] for i in part]
            base = osp.join(sdir, f'array_{stamp}_{k}')
            text = sbatch_script(spec.name, base + '.txt',
                                 max_attempts=self.opts.max_attempts,
                                 time_limit_signal=self.opts.time_limit_signal)
            cmd = sbatch_command(spec.name, len(chunk), base + '.sh', sdir,
                                 self.opts, after)
            if self.opts.dry_run:
                print(f'# {base}.sh ({len(chunk)} runs: {chunk[0].id} ...)'
                      f'\n{text}$ {" ".join(shlex.quote(c) for c in cmd)}',
                      flush=True)
                after = f'<array {k}>' if self.opts.max_parallel else None
                continue
            os.makedirs(sdir, exist_ok=True)
            with open(base + '.txt', 'w') as f:
                f.write(''.join(spec.run_dir(r.id).path + '\n'
                                for r in chunk))
            with open(base + '.sh', 'w') as f:
                f.write(text)
            job = self._sbatch(cmd, chunk, sdir)
            jobs.append((job, chunk))
            after = job if self.opts.max_parallel else None
        return jobs, sdir

    def _sbatch(self, cmd: List[str], chunk, sdir: str) -> str:
        """Submit one array and record it in ``slurm/jobs.json``."""
        print('$ ' + ' '.join(shlex.quote(c) for c in cmd), flush=True)
        try:
            job = scheduler_call(cmd, timeout=120).strip().split(';')[0]
        except SchedulerError as e:
            raise RuntimeError(str(e)) from None
        jobs_file = osp.join(sdir, 'jobs.json')
        jobs = []
        if osp.exists(jobs_file):
            with open(jobs_file) as f:
                jobs = json.load(f)
        jobs.append(dict(job=job, runs=[r.id for r in chunk],
                         script=cmd[-1], submitted=time.time(), command=cmd))
        write_json(jobs_file, jobs)
        return job

    @classmethod
    def live_view(cls, records: Dict[RunDir, RunStatus]
                  ) -> Dict[RunDir, RunStatus]:
        try:
            alive = jobs_alive(s.job for s in records.values() if s.job)
        except SchedulerError as e:
            return {d: s.as_unverified(f'status may be stale: {e}')
                    for d, s in records.items()}
        return {d: s.as_stale(f'SLURM job {s.job} is no longer queued')
                if s.job not in alive else s for d, s in records.items()}

    @classmethod
    def cancel(cls, records: Dict[RunDir, RunStatus]) -> List[str]:
        try:
            alive = jobs_alive(s.job for s in records.values() if s.job)
            jobs = sorted({s.job for s in records.values()
                           if s.job in alive})
            if not jobs:
                return []
            scheduler_call(['scancel'] + jobs)
        except SchedulerError as e:
            return [f'cancel: {e}; nothing was cancelled']
        return [f'scancel {" ".join(jobs)}: {len(jobs)} task(s); their runs '
                'resume next time']

    # -- task side ------------------------------------------------------
    @classmethod
    def add_task_arguments(cls, parser) -> None:
        parser.add_argument('--time-limit-signal', default=DEFAULT_SIGNAL,
                            help='slurm: the signal that warns of the time '
                            f'limit (default {DEFAULT_SIGNAL})')

    @classmethod
    def task(cls, args=None) -> Task:
        return SlurmTask(getattr(args, 'time_limit_signal', DEFAULT_SIGNAL))
