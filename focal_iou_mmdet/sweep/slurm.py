"""The SLURM submitter: a sweep's pending runs as ONE ``sbatch --array``
job (throttled with ``%K``, ``--requeue``).  Task ``i`` runs the worker
(:mod:`.worker`) on line ``i + 1`` of an index file of run folders; the
worker ``srun``s mmdet's train.py over the task's ranks."""
import json
import os
import os.path as osp
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

from ..utils.json_io import write_json
from .spec import Run, SweepSpec, relpath
from .state import counts, runs_to_start
from .worker import WORKER_CMD, package_parent


@dataclass
class SlurmOptions:
    """How each array task is sized and where it runs.

    ``gpus_per_run`` srun tasks (ranks) per run, ``gpus_per_node`` of them
    per node (default: all on one node, at most 8), ``gres`` default
    ``gpu:<ranks per node>`` (``''``: a cluster without GPUs, the ranks use
    gloo), ``max_parallel`` the array throttle, ``extra_args`` passed to
    sbatch as they are (e.g. ``--time=48:00:00``)."""
    partition: str
    gpus_per_run: int = 1
    gpus_per_node: Optional[int] = None
    cpus_per_task: int = 5
    gres: Optional[str] = None
    max_parallel: Optional[int] = None
    job_name: Optional[str] = None
    time_limit_warning_s: int = 300
    max_attempts: int = 5
    extra_args: List[str] = field(default_factory=list)

    @property
    def ranks_per_node(self) -> int:
        return self.gpus_per_node or min(self.gpus_per_run, 8)

    @property
    def nodes(self) -> int:
        return -(-self.gpus_per_run // self.ranks_per_node)


def sbatch_script(sweep: str, index: str, python_path: str,
                  worker_cmd: Sequence[str] = WORKER_CMD,
                  max_attempts: int = 5) -> str:
    """The array job's script: task i trains the run on line i + 1 of
    ``index``, importing focal_iou_mmdet from ``python_path``.  The worker
    replaces the shell (``exec``), so the time-limit signal reaches it."""
    return (
        '#!/usr/bin/env bash\n'
        f'# sweep {sweep}: task i trains line i+1 of {index}\n'
        '# (written by tools/sweep.py run --launcher slurm)\n'
        f'export PYTHONPATH={shlex.quote(python_path)}'
        '${PYTHONPATH:+:$PYTHONPATH}\n'
        f'RUN_DIR=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" '
        f'{shlex.quote(index)})\n'
        f'exec {" ".join(shlex.quote(c) for c in worker_cmd)} '
        f'"$RUN_DIR" --launcher slurm --max-attempts {max_attempts}\n')


def sbatch_command(sweep: str, num_tasks: int, script: str, log_dir: str,
                   opts: SlurmOptions) -> List[str]:
    """``sbatch`` arguments for an array of ``num_tasks`` runs."""
    gres = f'gpu:{opts.ranks_per_node}' if opts.gres is None else opts.gres
    array = f'0-{num_tasks - 1}' + (f'%{opts.max_parallel}'
                                    if opts.max_parallel else '')
    return (['sbatch', '--parsable', f'--array={array}', '--requeue',
             f'--signal=B:USR1@{opts.time_limit_warning_s}',
             f'--partition={opts.partition}',
             f'--job-name={opts.job_name or "sweep-" + sweep}',
             f'--nodes={opts.nodes}', f'--ntasks={opts.gpus_per_run}',
             f'--ntasks-per-node={opts.ranks_per_node}',
             f'--cpus-per-task={opts.cpus_per_task}',
             f'--output={osp.join(log_dir, "%A_%a.out")}',
             # a requeued task appends: its earlier attempts stay readable
             '--open-mode=append'] +
            ([f'--gres={gres}'] if gres else []) + list(opts.extra_args) +
            [script])


def submit_slurm(spec: SweepSpec, runs: Sequence[Run], opts: SlurmOptions,
                 retry_failed: bool = False,
                 force: bool = False) -> Optional[str]:
    """Submit the pending runs; returns the array job id (None when
    nothing is pending).  Raises RuntimeError when sbatch fails.  Runs
    whose status cannot be read are skipped (``force`` rebuilds it)."""
    if shutil.which('sbatch') is None:
        raise RuntimeError('--launcher slurm: sbatch is not on PATH (run '
                           'this on a SLURM login node, or use --launcher '
                           'local)')
    todo, _, states = runs_to_start(spec, runs, retry_failed, force=force)
    for d, st in states.items():
        if st['state'] == 'unreadable':
            print(f'  skip   {d.id}: {st["message"]}', flush=True)
    c = counts(states.values())
    if not todo:
        print(f'sweep {spec.name!r}: nothing to submit ({c["done"]} done, '
              f'{c["queued"] + c["running"]} queued or running, '
              f'{c["failed"]} failed)', flush=True)
        return None
    sdir = osp.join(spec.work_dir, 'slurm')
    os.makedirs(sdir, exist_ok=True)
    stamp = time.strftime('%Y%m%d_%H%M%S')
    index = osp.join(sdir, f'array_{stamp}.txt')
    with open(index, 'w') as f:
        f.write(''.join(spec.run_dir(r.id).path + '\n' for r in todo))
    script = osp.join(sdir, f'array_{stamp}.sh')
    with open(script, 'w') as f:
        f.write(sbatch_script(spec.name, index, package_parent(),
                              max_attempts=opts.max_attempts))
    cmd = sbatch_command(spec.name, len(todo), script, sdir, opts)
    print('$ ' + ' '.join(shlex.quote(c) for c in cmd), flush=True)
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f'sbatch failed (exit {out.returncode}): '
                           f'{out.stderr.strip()}')
    job = out.stdout.strip().split(';')[0]
    for i, r in enumerate(todo):
        spec.run_dir(r.id).update_status(state='queued', job=f'{job}_{i}',
                                         submitted=time.time())
    jobs_file = osp.join(sdir, 'jobs.json')
    jobs = json.load(open(jobs_file)) if osp.exists(jobs_file) else []
    jobs.append(dict(job=job, runs=[r.id for r in todo], script=script,
                     submitted=time.time(), command=cmd))
    write_json(jobs_file, jobs)
    print(f'submitted array job {job}: {len(todo)} runs'
          + (f', at most {opts.max_parallel} at a time'
             if opts.max_parallel else '')
          + f'; logs {relpath(sdir)}/{job}_<task>.out; follow with '
          f'`tools/sweep.py status {relpath(spec.path)}`', flush=True)
    return job

