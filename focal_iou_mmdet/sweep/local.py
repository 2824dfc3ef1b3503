"""The local scheduler: a sweep's pending runs, ``jobs`` at a time, each
in its own worker process (:mod:`.worker`), with a progress line per
finished epoch (:mod:`.progress`).  Safe to kill at any moment and to run
again: done runs are skipped, interrupted ones resume."""
import os
import signal
import subprocess
import time
from typing import Dict, List, Optional, Sequence

from ..runs import RunStateError
from .gpu_pool import GpuPool, visible_gpus
from .progress import SweepProgress
from .report import result_note
from .spec import Run, SweepSpec
from .state import (counts, effective_states, eta_seconds, fmt_duration,
                    runs_to_start)
from .worker import (EXIT_DONE, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_LOCKED,
                     WORKER_CMD, die_with_parent, error_tail, package_parent)


def worker_env(jobs: int) -> Dict[str, str]:
    env = dict(os.environ, PYTHONPATH=package_parent() + (
        os.pathsep + os.environ['PYTHONPATH']
        if os.environ.get('PYTHONPATH') else ''))
    if 'OMP_NUM_THREADS' not in env:  # share the cores between the runs
        env['OMP_NUM_THREADS'] = str(max(1, (os.cpu_count() or 1) // jobs))
    return env


def worker_command(run_dir: str, gpus: Sequence[str]) -> List[str]:
    """The worker for one run; a run over several GPUs trains with one
    torchrun rank per GPU."""
    if len(gpus) > 1:
        return WORKER_CMD + [run_dir, '--launcher', 'pytorch', '--nproc',
                             str(len(gpus))]
    return WORKER_CMD + [run_dir]


def run_local(spec: SweepSpec, runs: Sequence[Run], jobs: int = 1,
              retry_failed: bool = False, poll: float = 0.5,
              force: bool = False, gpus_per_run: int = 1,
              gpus: Optional[List[str]] = None) -> Dict[str, int]:
    """Train the pending runs; returns the final count per state.  A run
    whose status cannot be read is skipped with the reason (``force``
    rebuilds its status and trains it).

    Where CUDA devices are visible (``gpus``, default :func:`visible_gpus`)
    each run gets ``gpus_per_run`` of its own through
    ``CUDA_VISIBLE_DEVICES``, at most (GPUs / gpus_per_run) runs train at
    once, and a run over several GPUs starts its ranks with torchrun."""
    jobs = max(1, int(jobs))
    gpus = visible_gpus() if gpus is None else list(gpus)
    pool = GpuPool(gpus, gpus_per_run) if gpus else None
    if pool is not None and jobs > pool.capacity:
        print(f'--jobs {jobs} lowered to {pool.capacity}: {len(gpus)} '
              f'GPU(s) visible, {gpus_per_run} per run', flush=True)
        jobs = pool.capacity
    env = worker_env(jobs)
    todo, held, states = runs_to_start(spec, runs, retry_failed, force=force)
    for d, st in states.items():
        if st['state'] == 'unreadable':
            print(f'  skip   {d.id}: {st["message"]}'
                  + (' (--force rebuilds its status)'
                     if st['message'].startswith('unreadable:') else ''),
                  flush=True)
    c = counts(states.values())
    print(f'sweep {spec.name!r}: {len(runs)} runs: {c["done"]} done, '
          f'{len(todo)} to run now, {c["failed"]} failed'
          + ('' if retry_failed or not c['failed'] else
             ' (--retry-failed reruns them)')
          + (f', {c["unreadable"]} unreadable' if c['unreadable'] else '')
          + (f', {len(held)} held by another live worker' if held else '')
          + f'; {jobs} at a time, OMP_NUM_THREADS={env["OMP_NUM_THREADS"]}'
          + (f', {gpus_per_run} of GPUs {",".join(gpus)} per run' if pool
             else ', on CPU (no CUDA device visible)'),
          flush=True)
    active: Dict[str, tuple] = {}  # run id -> (proc, start, its GPUs)
    progress = SweepProgress(spec, runs, jobs)
    started = set()
    stop = []

    def on_signal(signum, _frame):
        stop.append(signum)
        for proc, _, _ in active.values():
            proc.send_signal(signal.SIGTERM)

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM,
                                                    signal.SIGINT)}
    last_wait_note = 0.0
    try:
        while not stop:
            while len(active) < jobs and todo and not stop:
                run = todo.pop(0)
                run_dir = spec.run_dir(run.id)
                if run_dir.is_done():
                    continue
                started.add(run.id)
                run_gpus = pool.acquire() if pool else []
                with open(run_dir.worker_log, 'a') as wlog:
                    proc = subprocess.Popen(
                        worker_command(run_dir.path, run_gpus),
                        env=dict(env, CUDA_VISIBLE_DEVICES=','.join(run_gpus))
                        if pool else env, stdout=wlog,
                        stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
                active[run.id] = (proc, time.time(), run_gpus)
                print(f'  start  {run.id}'
                      + (f' on GPU {",".join(run_gpus)}' if run_gpus else '')
                      + (' (resuming from its last checkpoint)'
                         if run_dir.has_checkpoint else ''), flush=True)
                progress.started(run.id)
            progress.poll(list(active))
            for rid, (proc, t0, run_gpus) in list(active.items()):
                if proc.poll() is None:
                    continue
                progress.poll([rid], force=True)  # its last epoch
                del active[rid]
                if pool:
                    pool.release(run_gpus)
                _print_finished(spec.run_dir(rid), proc.returncode,
                                time.time() - t0)
                _print_progress(spec, runs, len(active) or jobs)
            if not active and not todo:
                # runs held by another worker (e.g. one of a sweep killed a
                # moment ago) are taken once it lets go of them; runs this
                # invocation already tried are not tried again
                todo, held, _ = runs_to_start(spec, runs, False, started)
                if not todo and not held:
                    break
                if held and time.time() - last_wait_note > 30:
                    print(f'  waiting for {len(held)} run(s) held by another '
                          'worker: ' + ', '.join(
                              f'{r.id} ({_holder(spec.run_dir(r.id))})'
                              for r in held[:3]), flush=True)
                    last_wait_note = time.time()
            time.sleep(poll)
        if stop:
            for proc, _, _ in active.values():
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    proc.kill()
            print(f'sweep interrupted (signal {stop[0]}); run the same '
                  'command again to go on', flush=True)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    final = counts(effective_states([spec.run_dir(r.id)
                                     for r in runs]).values())
    print(f'sweep {spec.name!r}: ' + ', '.join(f'{v} {k}' for k, v in
                                             final.items() if v), flush=True)
    return final


def _holder(run_dir) -> str:
    lock = run_dir.lock()
    return f'{lock.path} held by {lock.holder() or "another process"}'


def _print_finished(run_dir, code, seconds):
    if code == EXIT_LOCKED:
        print(f'  locked {run_dir.id}: {_holder(run_dir)}; not started '
              'twice', flush=True)
        return
    try:
        st = run_dir.read_status()
    except RunStateError as e:
        print(f'  failed {run_dir.id}: {e}', flush=True)
        return
    message = (st.get('message') or '').splitlines()
    note = result_note(run_dir) if st['state'] == 'done' else (
        message[0] if message else '')
    print(f'  {st["state"]:<6} {run_dir.id} after {fmt_duration(seconds)} '
          f'{note}'.rstrip(), flush=True)
    if st['state'] == 'failed':
        print('    ' + (st.get('message') or '').replace(
            '\n', '\n    ')[-1500:], flush=True)
    elif code not in (EXIT_DONE, EXIT_FAILED, EXIT_LOCKED, EXIT_INTERRUPTED):
        tail = error_tail(run_dir.worker_log, 8)
        print(f'    its worker exited with code {code}:\n    '
              + tail.replace('\n', '\n    '), flush=True)


def _print_progress(spec, runs, parallel):
    states = effective_states([spec.run_dir(r.id) for r in runs])
    c = counts(states.values())
    eta = eta_seconds(list(states.values()), parallel)
    print(f'  [{c["done"]}/{len(runs)} done, {c["running"]} running, '
          f'{c["failed"]} failed] ETA {fmt_duration(eta)}', flush=True)
