"""One training attempt of one planned run, in the worker process: under
the run's lock, mmdet's ``train.py --resume`` as its launcher's task starts
it (:class:`.launchers.Task`), output appended to the run's training log,
the outcome recorded through the run's status transitions.

A ``last_checkpoint`` that names a deleted file is pointed at the newest
checkpoint left (or removed: the run starts over), and the status says
which.  With ``max_attempts`` K a run is started at most K times (time
limits, preemptions and requeues together); the next start, or a time
limit on attempt K, marks it failed instead of looping.  A task's
time-limit signal stops training and requeues the task, which resumes from
the last checkpoint.
"""
import os
import os.path as osp
import shlex
import signal
import socket
import subprocess
import sys
import time
from typing import Dict, List, Optional

from ...runs import (RunDir, RunLockError, RunState, RunStateError,
                     RunStatus)
from ...runs.code_snapshot import (TRAIN_SCRIPT, compiled_cache_of,
                                  snapshot_of)
from ...runs.config_chain import (ConfigChain, ConfigChainError,
                                  chain_identity, config_chain)
from ...utils.checkpoint_globals import unloadable_reason
from ...utils.devices import training_device_name
from ..spec.schema import check_run_env
from . import Task
from .base import TRAIN_TOOL
from .processes import die_with_parent, disk_full, error_tail
from .base import (EXIT_DONE, EXIT_FAILED, EXIT_INTERRUPTED,
                          EXIT_LOCKED)

#: seconds a training process gets to stop after SIGTERM
GRACE_S = 30


def train(run_dir: RunDir, task: Task, launcher: str,
          max_attempts: Optional[int] = None) -> int:
    """Train one planned run under its lock; returns a worker exit code."""
    info = run_dir.read_info()
    lock = run_dir.lock()
    try:
        if not lock.acquire():
            print(f'{info["id"]}: {lock.path} is held by '
                  f'{lock.holder() or "another process"}; not started twice',
                  flush=True)
            return EXIT_LOCKED
    except RunLockError as e:
        print(f'{info["id"]}: {e}', flush=True)
        try:
            run_dir.write_status(run_dir.read_status().failed_to_start(
                str(e)))
        except (RunStateError, OSError):
            pass
        return EXIT_FAILED
    try:
        return _Attempt(run_dir, info, task, launcher, max_attempts).run()
    except RunStateError as e:
        print(f'{info["id"]}: {e}; not started (--force rebuilds it)',
              flush=True)
        return EXIT_FAILED
    except OSError as e:  # e.g. a full disk: say so, never a traceback
        print(f'{info["id"]}: cannot write {e.filename or run_dir.path}: '
              f'{e.strerror or e}; its status may be out of date', flush=True)
        return EXIT_FAILED
    finally:
        lock.release()


class _Attempt:
    """One start of a run whose lock this process holds."""

    def __init__(self, run_dir: RunDir, info: dict, task: Task,
                 launcher: str, max_attempts: Optional[int]):
        self.run_dir, self.info, self.task = run_dir, info, task
        self.launcher, self.max_attempts = launcher, max_attempts
        self.id = info['id']
        self.signals: List[int] = []
        self.signalled_at: List[float] = []
        self.time_limit: List[float] = []

    def _write(self, status: RunStatus) -> RunStatus:
        return self.run_dir.write_status(status)

    def run(self) -> int:
        status = self.run_dir.read_status()
        if status.state == RunState.DONE:
            print(f'{self.id}: done already, skipped', flush=True)
            return EXIT_DONE
        if self.max_attempts and status.attempts >= self.max_attempts:
            return self._out_of_attempts(status)
        refused = self._refused()
        if refused:
            print(f'{self.id}: not started: {refused}', flush=True)
            self._write(status.failed_to_start(
                refused, max_attempts=self.max_attempts))
            return EXIT_FAILED
        checkpoint_note = self.run_dir.repair_checkpoint(unloadable_reason)
        if checkpoint_note:
            print(f'{self.id}: {checkpoint_note}', flush=True)
        status = self._write(status.started(
            self.launcher, socket.gethostname(), os.getpid(), self.task.job,
            self.max_attempts, checkpoint_note))
        device = training_device_name(self._env())
        identity = self._code()
        start = time.time()
        code = self._train(status.attempts, checkpoint_note)
        session = dict(attempt=status.attempts, host=status.host,
                       job=status.job, start=round(start, 1),
                       seconds=round(time.time() - start, 1), exit=code,
                       resumed=self._resumed, devices=self.task.devices(),
                       device=device, code=identity['hash'],
                       version=identity['version'])
        return self._record(status, session, code)

    def _refused(self) -> Optional[str]:
        """Why this run may not start: its code snapshot is not the code
        recorded, or its record sets an environment outside the allow-list
        (None: it may)."""
        try:
            self._snapshot()
            check_run_env(self.info.get('env', {}))
        except ValueError as e:
            return str(e)
        return None

    def _out_of_attempts(self, status: RunStatus) -> int:
        message = (f'not started again: {status.attempts} attempts made, the '
                   f'most allowed (--max-attempts {self.max_attempts}); '
                   'last: ' + (status.first_message_line() or 'interrupted'))
        print(f'{self.id}: {message}', flush=True)
        self._write(status.failed_to_start(message,
                                           max_attempts=self.max_attempts))
        return EXIT_FAILED

    def _train(self, attempt: int, checkpoint_note: Optional[str]) -> int:
        """Run the training process to its end (or its stop); its exit
        code."""
        env = self._env()
        os.makedirs(osp.dirname(self.run_dir.predictions_file), exist_ok=True)
        snapshot = self._snapshot()
        cmd = self.task.train_command(
            sys.executable, self.run_dir.train_args(),
            [osp.join(snapshot, TRAIN_SCRIPT)] if snapshot else TRAIN_TOOL)
        self._resumed = self.run_dir.has_checkpoint
        with open(self.run_dir.train_log, 'a') as log:
            log.write(self._log_header(attempt, checkpoint_note, cmd))
            log.flush()
            proc = subprocess.Popen(cmd, env=env, stdout=log,
                                    stderr=subprocess.STDOUT,
                                    preexec_fn=die_with_parent)
            self._handle_signals(proc)
            return self._wait(proc)

    def _snapshot(self) -> Optional[str]:
        """The sweep's code snapshot this run trains with (None: the code
        installed now)."""
        return snapshot_of(self.run_dir.path,
                           (self.info.get('code') or {}).get('snapshot'))

    def _code(self) -> dict:
        """``{'hash', 'version'}`` of the code this attempt trains with
        (:func:`...runs.config_chain.chain_identity`: the package and the
        config files its runs share): the planned one where it trains from
        its verified snapshot, else that of the code installed now."""
        code = self.info.get('code') or {}
        if self._snapshot() and code.get('hash'):
            return dict(hash=code['hash'], version=code.get('version'))
        base = self.info.get('base_config')
        try:
            found = chain_identity(config_chain(base))
        except (TypeError, OSError, ConfigChainError):
            found = chain_identity(ConfigChain((), {}))
        return dict(hash=found['hash'], version=found['version'])

    def _env(self) -> Dict[str, str]:
        env = dict(os.environ, **check_run_env(self.info.get('env', {})))
        env.update(self.task.env())
        env.update(self.run_dir.train_env())
        snapshot = self._snapshot()
        if snapshot:  # no bytecode beside the checked sources
            env['PYTHONDONTWRITEBYTECODE'] = '1'
            env['NUMBA_CACHE_DIR'] = compiled_cache_of(snapshot)
        return env

    def _log_header(self, attempt, checkpoint_note, cmd) -> str:
        where = self.task.describe()
        return (f'\n===== attempt {attempt} on {socket.gethostname()}'
                + (f', {where}' if where else '')
                + (', resuming from last_checkpoint' if self._resumed else '')
                + (f' ({checkpoint_note})' if checkpoint_note else '')
                + f' =====\n$ {" ".join(shlex.quote(c) for c in cmd)}\n')

    def _handle_signals(self, proc: subprocess.Popen) -> None:
        def on_signal(signum, _frame):
            self.signals.append(signum)
            self.signalled_at.append(time.time())
            try:
                proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass

        def on_time_limit(signum, _frame):
            # the task's time limit is near: stop training now, while the
            # last checkpoint is intact, and requeue afterwards
            if not self.time_limit:
                self.time_limit.append(time.time())
                on_signal(signum, None)

        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, on_signal)
        if self.task.time_limit_signal is not None:
            signal.signal(self.task.time_limit_signal, on_time_limit)

    def _wait(self, proc: subprocess.Popen) -> int:
        while True:
            try:
                return proc.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                if self.signals and (len(self.signals) > 1 or time.time() -
                                     self.signalled_at[0] > GRACE_S):
                    proc.kill()  # a second signal, or the grace is over

    def _record(self, status: RunStatus, session: dict, code: int) -> int:
        if code == 0:
            self._write(status.finished(session))
            return EXIT_DONE
        if self.time_limit:
            return self._after_time_limit(status, session)
        if self.signals:
            self._write(status.interrupted(
                session, f'interrupted by signal {self.signals[0]}; resumes '
                'from its last checkpoint'))
            return EXIT_INTERRUPTED
        # the log on a full disk may have lost its last line: say it here
        full = disk_full(self.run_dir.path)
        # a save cut short (a full disk) frees its space, so the record fits
        removed = self.run_dir.remove_partial_checkpoints(unloadable_reason)
        tail = error_tail(self.run_dir.train_log)
        if full:
            tail = (f'OSError: No space left on device (the file system of '
                    f'{self.run_dir.path} is full)\n' + tail)
        self._write(status.finished(
            session, f'exit {code}; see {self.run_dir.train_log}'
            + (f' (removed the partial {", ".join(removed)})'
               if removed else '') + '\n' + tail))
        print(f'{self.id}: failed (exit {code}): '
              + (tail.splitlines() or [''])[0], flush=True)
        return EXIT_FAILED

    def _after_time_limit(self, status: RunStatus, session: dict) -> int:
        """The task stopped at its time-limit warning: requeue it (the run
        resumes from its last checkpoint), unless it has had its
        attempts."""
        attempt, most = status.attempts, self.max_attempts
        if most and attempt >= most:
            message = (f'reached its time limit on attempt {attempt} of '
                       f'{most}; not requeued again (raise the time limit or '
                       '--max-attempts, then run with --retry-failed)')
            self._write(status.finished(session, message))
            print(f'{self.id}: {message}', flush=True)
            return EXIT_FAILED
        # the status first: requeueing ends this task
        status = self._write(status.interrupted(
            session, f'time limit near on attempt {attempt}: stopped and '
            f'requeued (job {status.job}); resumes from its last checkpoint'))
        # said first: a requeue that works ends this process
        print(f'{self.id}: time limit near: requeueing {status.job}',
              flush=True)
        why_not = self.task.requeue()
        if why_not:
            self._write(status.noted(
                f'time limit near on attempt {attempt}: stopped, but not '
                f'requeued ({why_not}); the next `run` submits it again'))
            print(f'{self.id}: not requeued: {why_not}', flush=True)
        return EXIT_INTERRUPTED
