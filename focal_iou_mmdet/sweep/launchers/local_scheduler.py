"""The local launcher's loop: start workers while there is room, print a
line per finished epoch and per finished run, and stop every worker on
SIGTERM/SIGINT (the runs resume next time)."""
import contextlib
import signal
import time
from typing import Dict, List

from ...runs import RunDir, RunState, RunStateError
from ...utils.display import fmt_duration
from .processes import error_tail, wait_or_kill, worker_env
from .live_view import LiveView, wants_live_view
from .local_progress import SweepProgress
from .base import (EXIT_DONE, EXIT_FAILED, EXIT_INTERRUPTED,
                           EXIT_LOCKED)


def _holder(run_dir: RunDir) -> str:
    lock = run_dir.lock()
    return f'{lock.path} held by {lock.holder() or "another process"}'


class LocalScheduler:
    """One ``run --launcher local`` invocation over a sweep."""

    def __init__(self, launcher, sweep):
        self.launcher, self.sweep = launcher, sweep
        self.spec, self.runs = sweep.spec, sweep.runs
        self.active: Dict[str, tuple] = {}  # run id -> (proc, start, GPUs)
        self.started: set = set()
        self.stop: List[int] = []
        self.env = worker_env(launcher.jobs)
        self.progress = SweepProgress(self.spec, self.runs, launcher.jobs)
        self._last_wait_note = 0.0
        self._last_live = 0.0

    def run(self, retry_failed: bool, force: bool) -> Dict[str, int]:
        """Train the runs to start; returns the final count per state."""
        todo, held, states = self.sweep.to_start(retry_failed, force=force)
        self._print_plan(todo, held, states, retry_failed)
        old = {s: signal.signal(s, self._on_signal)
               for s in (signal.SIGTERM, signal.SIGINT)}
        live = self._live_view()
        try:
            with live or contextlib.nullcontext():
                self._loop(todo, live)
            if self.stop:
                wait_or_kill([p for p, _, _ in self.active.values()])
                print(f'sweep interrupted (signal {self.stop[0]}); run the '
                      'same command again to go on', flush=True)
        finally:
            for s, h in old.items():
                signal.signal(s, h)
        final = self.sweep.counts()
        print(f'sweep {self.spec.name!r}: ' + ', '.join(
            f'{v} {k}' for k, v in final.items() if v), flush=True)
        return final

    def _live_view(self):
        """A rich view on a terminal (the line log otherwise)."""
        if not wants_live_view():
            return None
        self.progress.quiet_epochs = True
        return LiveView(None, f'sweep {self.spec.name}')

    def _loop(self, todo, live) -> None:
        while not self.stop:
            self._fill(todo)
            self.progress.poll(list(self.active))
            self._reap()
            if live is not None and time.time() - self._last_live > 2:
                self._last_live = time.time()
                done, total = self.progress.epochs()
                live.update(done, self.sweep.counts(), total)
            if not self.active and not todo:
                todo = self._more()
                if todo is None:
                    break
            time.sleep(self.launcher.poll)

    def _on_signal(self, signum, _frame):
        self.stop.append(signum)
        for proc, _, _ in self.active.values():
            proc.send_signal(signal.SIGTERM)

    def _print_plan(self, todo, held, states, retry_failed):
        for d, st in states.items():
            if st.state == RunState.UNREADABLE:
                print(f'  skip   {d.id}: {st.message}'
                      + (' (--force rebuilds its status)'
                         if st.message.startswith('unreadable:') else ''),
                      flush=True)
        c = self.sweep.counts(states)
        print(f'sweep {self.spec.name!r}: {len(self.runs)} runs: '
              f'{c["done"]} done, {len(todo)} to run now, {c["failed"]} '
              'failed' + ('' if retry_failed or not c[RunState.FAILED] else
                          ' (--retry-failed reruns them)')
              + (f', {c["unreadable"]} unreadable'
                 if c[RunState.UNREADABLE] else '')
              + (f', {len(held)} held by another live worker' if held else '')
              + f'; {self.launcher.describe(self.env)}', flush=True)

    def _fill(self, todo) -> None:
        while len(self.active) < self.launcher.jobs and todo and \
                not self.stop:
            run = todo.pop(0)
            run_dir = self.spec.run_dir(run.id)
            if run_dir.is_done():
                continue
            self.started.add(run.id)
            proc, gpus = self.launcher.start_worker(run_dir, self.env)
            self.active[run.id] = (proc, time.time(), gpus)
            print(f'  start  {run.id}'
                  + (f' on GPU {",".join(gpus)}' if gpus else '')
                  + (' (resuming from its last checkpoint)'
                     if run_dir.has_checkpoint else ''), flush=True)
            self.progress.started(run.id)

    def _reap(self) -> None:
        for rid, (proc, t0, gpus) in list(self.active.items()):
            if proc.poll() is None:
                continue
            self.progress.poll([rid], force=True)  # its last epoch
            del self.active[rid]
            self.launcher.release(gpus)
            print_finished(self.spec.run_dir(rid), proc.returncode,
                           time.time() - t0)
            c = self.sweep.counts()
            eta = self.sweep.eta(len(self.active) or self.launcher.jobs)
            print(f'  [{c["done"]}/{len(self.runs)} done, {c["running"]} '
                  f'running, {c["failed"]} failed] ETA {fmt_duration(eta)}',
                  flush=True)

    def _more(self):
        """Runs held by another worker (e.g. one of a sweep killed a moment
        ago) are taken once it lets go of them; runs this invocation already
        tried are not tried again.  None: nothing is left."""
        todo, held, _ = self.sweep.to_start(False, self.started)
        if not todo and not held:
            return None
        if held and time.time() - self._last_wait_note > 30:
            print(f'  waiting for {len(held)} run(s) held by another worker: '
                  + ', '.join(f'{r.id} ({_holder(self.spec.run_dir(r.id))})'
                              for r in held[:3]), flush=True)
            self._last_wait_note = time.time()
        return todo


def print_finished(run_dir: RunDir, code: int, seconds: float) -> None:
    """A line for a run whose worker exited (and why, when it failed)."""
    if code == EXIT_LOCKED:
        print(f'  locked {run_dir.id}: {_holder(run_dir)}; not started '
              'twice', flush=True)
        return
    try:
        st = run_dir.read_status()
    except RunStateError as e:
        print(f'  failed {run_dir.id}: {e}', flush=True)
        return
    note = run_dir.results().note() if st.state == RunState.DONE else \
        st.first_message_line()
    print(f'  {st.state:<6} {run_dir.id} after {fmt_duration(seconds)} '
          f'{note}'.rstrip(), flush=True)
    if st.state == RunState.FAILED:
        print('    ' + (st.message or '').replace('\n', '\n    ')[-1500:],
              flush=True)
    elif code not in (EXIT_DONE, EXIT_FAILED, EXIT_LOCKED, EXIT_INTERRUPTED):
        tail = error_tail(run_dir.worker_log, 8)
        print(f'    its worker exited with code {code}:\n    '
              + tail.replace('\n', '\n    '), flush=True)
