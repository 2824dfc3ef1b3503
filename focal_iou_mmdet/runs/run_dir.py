"""One run's folder: the only place that knows its layout.

::

    <run dir>/                  named by the run id
      plan/<run id>.py          the run's config: _base_ + its overrides
      run.json                  what the run is (id, sweep, values, config)
      status.json               its state, attempts and sessions
      .lock                     held by the process that trains it
      train_stdout.log          training output, a section per attempt
      worker.log                the worker's own output (local sweeps)
      <run id>.py, last_checkpoint, epoch_N.pth,
      <timestamp>/vis_data/scalars.json
                                mmengine's own files (its dump of the
                                merged config, checkpoints, metrics)

The config sits in ``plan/`` because mmengine dumps the merged config under
the same file name in the run folder.  States: ``pending`` (not started, or
interrupted: it resumes from its last checkpoint), ``queued`` (handed to a
launcher, not started yet), ``running``, ``done`` (the one rule: its
training process exited 0) and ``failed``; the transitions are in
:mod:`.run_status`.  status.json is written atomically.
"""
import glob
import json
import os
import os.path as osp
import re
import time
from typing import Callable, Dict, List, Optional, Sequence

from ..utils.json_io import atomic_write, write_json
from .results import RunResult, read_results
from .run_lock import RunLock
from .run_status import RunState, RunStatus, RunStatusError

class RunStateError(RuntimeError):
    """A run's status file cannot be read (the message is
    ``unreadable: <path>: <reason>``)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f'unreadable: {path}: {reason}')
        self.path, self.reason = path, reason



class RunDir:
    """A run's folder (need not exist yet)."""

    PLAN_DIR = 'plan'
    INFO = 'run.json'
    STATUS = 'status.json'
    LOCK = '.lock'
    TRAIN_LOG = 'train_stdout.log'
    WORKER_LOG = 'worker.log'
    LAST_CHECKPOINT = 'last_checkpoint'
    #: CocoMetric's outfile_prefix: the last evaluation's detections land
    #: in ``<prefix>.bbox.json`` (the image bootstrap reads them)
    PREDICTIONS_PREFIX = osp.join('predictions', 'val')

    def __init__(self, path: str):
        self.path = osp.abspath(path)

    def __repr__(self) -> str:
        return f'RunDir({self.path!r})'

    def __eq__(self, other) -> bool:
        return isinstance(other, RunDir) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def file(self, name: str) -> str:
        return osp.join(self.path, name)

    @property
    def id(self) -> str:
        return osp.basename(self.path)

    @property
    def config_file(self) -> str:
        return osp.join(self.path, self.PLAN_DIR, self.id + '.py')

    @property
    def train_log(self) -> str:
        return self.file(self.TRAIN_LOG)

    @property
    def worker_log(self) -> str:
        return self.file(self.WORKER_LOG)

    @property
    def dumped_config(self) -> str:
        """The merged config mmengine dumped when the run trained (what
        actually ran; read with :mod:`.config_dump`, never executed)."""
        return self.file(self.id + '.py')

    @property
    def has_checkpoint(self) -> bool:
        return osp.exists(self.file(self.LAST_CHECKPOINT))

    # -- the config -----------------------------------------------------
    def config_text(self) -> Optional[str]:
        if not osp.exists(self.config_file):
            return None
        with open(self.config_file) as f:
            return f.read()

    def write_config(self, text: str) -> None:
        """Write the run's config atomically (unchanged text: no write)."""
        if self.config_text() == text:
            return
        os.makedirs(osp.dirname(self.config_file), exist_ok=True)
        tmp = f'{self.config_file}.{os.getpid()}.tmp'
        with open(tmp, 'w') as f:
            f.write(text)
        os.replace(tmp, self.config_file)

    # -- what the run is -------------------------------------------------
    def read_info(self) -> dict:
        with open(self.file(self.INFO)) as f:
            return json.load(f)

    def planned_code(self) -> Optional[dict]:
        """The code the plan recorded for the run (``run.json``'s
        ``code``: :mod:`.config_chain`), or None."""
        try:
            code = self.read_info().get('code')
        except (OSError, ValueError, AttributeError):
            return None
        return code if isinstance(code, dict) else None

    def write_info(self, info: dict) -> None:
        write_json(self.file(self.INFO), info)

    # -- state (the transitions: :mod:`.run_status`) ---------------------
    def read_status(self) -> RunStatus:
        """The run's status; :class:`RunStateError` when the file is there
        but cannot be read or is not a status."""
        path = self.file(self.STATUS)
        if not osp.lexists(path):
            return RunStatus()
        try:
            with open(path) as f:
                return RunStatus.from_json(json.load(f))
        except (OSError, ValueError) as e:  # RunStatusError too
            reason = str(e) if isinstance(e, RunStatusError) else \
                f'{type(e).__name__}: {e}'
            raise RunStateError(path, reason) from None

    def write_status(self, status: RunStatus) -> RunStatus:
        """Write a status that a transition of :class:`RunStatus` made."""
        write_json(self.file(self.STATUS), status.to_json())
        return status

    def reset_status(self, why: str) -> str:
        """Move an unreadable status file aside (``status.json.unreadable-
        <time>``) and start the run's record afresh as pending; its
        checkpoints stay, so it resumes.  Returns where the old file went."""
        aside = f'{self.file(self.STATUS)}.unreadable-{int(time.time())}'
        os.replace(self.file(self.STATUS), aside)
        self.write_status(RunStatus.rebuilt(f'{why}; the old file is {aside}'))
        return aside

    def is_done(self) -> bool:
        try:
            return self.read_status().state == RunState.DONE
        except RunStateError:
            return False

    def has_started(self) -> bool:
        """Queued, running, finished or interrupted (it has attempts, so a
        checkpoint it would resume from); an unreadable status counts as
        started."""
        try:
            return self.read_status().has_started
        except RunStateError:
            return True

    def lock(self) -> RunLock:
        return RunLock(self.file(self.LOCK))

    def is_locked(self) -> bool:
        """A live process holds the run's lock (:class:`RunLockError` when
        the lock cannot be probed)."""
        return self.lock().is_held_elsewhere()

    # -- checkpoints -----------------------------------------------------
    def checkpoints(self) -> List[str]:
        """``epoch_N.pth`` files present, oldest epoch first."""
        found = []
        for path in glob.glob(self.file('epoch_*.pth')):
            m = re.search(r'epoch_(\d+)\.pth$', path)
            if m:
                found.append((int(m.group(1)), path))
        return [path for _, path in sorted(found)]

    def repair_checkpoint(self, unloadable: Callable[[str], Optional[str]]
                          = lambda path: None) -> Optional[str]:
        """Make ``--resume`` safe: when ``last_checkpoint`` names a file
        that is gone, or one that ``unloadable(path)`` says cannot be
        loaded (truncated, random bytes: it returns why), point it at the
        newest checkpoint that loads, moving each bad one aside
        (``<name>.unloadable-<time>``), or remove it (training starts
        over).  Returns what was done, or None."""
        last = self.file(self.LAST_CHECKPOINT)
        if not osp.exists(last):
            return None
        with open(last) as f:
            named = f.read().strip()
        notes = []
        if not (named and osp.isfile(named)):
            notes.append(f'last_checkpoint named a missing file ({named})')
        candidates = ([named] if not notes else []) + [
            c for c in reversed(self.checkpoints()) if c != named]
        for path in candidates:
            why = unloadable(path)
            if why is None:
                if path == named:
                    return None
                with atomic_write(last) as f:
                    f.write(path)
                return '; '.join(notes + [
                    f'resuming from {osp.basename(path)} instead'])
            aside = f'{path}.unloadable-{int(time.time())}'
            os.replace(path, aside)
            notes.append(f'{osp.basename(path)} does not load ({why}); '
                         f'moved to {osp.basename(aside)}')
        os.remove(last)
        return '; '.join(notes + ['no checkpoint is left; starting over'])

    def remove_partial_checkpoints(
            self, unloadable: Callable[[str], Optional[str]]) -> List[str]:
        """Delete the ``epoch_N.pth`` files newer than the one
        ``last_checkpoint`` names that do not load: saves cut short (a full
        disk, a kill).  Returns their names."""
        named = ''
        if self.has_checkpoint:
            with open(self.file(self.LAST_CHECKPOINT)) as f:
                named = f.read().strip()
        newer = self.checkpoints()
        if named in newer:
            newer = newer[newer.index(named) + 1:]
        removed = []
        for path in newer:
            if unloadable(path) is not None:
                os.remove(path)
                removed.append(osp.basename(path))
        return removed

    # -- training and results ------------------------------------------
    @property
    def predictions_file(self) -> str:
        """The detections of the run's last COCO evaluation (COCO results
        json), when its evaluator is a CocoMetric."""
        return self.file(self.PREDICTIONS_PREFIX + '.bbox.json')

    @property
    def match_file(self) -> str:
        """Its detections matched to the ground truth, kept by content
        (:func:`~.exact_metrics.run_match`)."""
        return self.file('match.npz')

    @property
    def paired_draws_file(self) -> str:
        """The image bootstrap's draws of this run against its baseline
        seed, kept under both matches' keys (the report's)."""
        return self.file('paired_draws.npz')

    def train_env(self) -> Dict[str, str]:
        """Variables of its training process: a CocoMetric validation
        dumps its detections to :attr:`predictions_file`.  Given at train
        time (never in the generated config), so a sweep folder can move;
        a value, so no path is parsed by ``--cfg-options`` (which splits at
        commas and drops spaces)."""
        from ..utils.mmdet_tools import PREDICTIONS_PREFIX_ENV
        return {PREDICTIONS_PREFIX_ENV: self.file(self.PREDICTIONS_PREFIX)}

    def train_args(self, cfg_options: Sequence[str] = ()) -> List[str]:
        """mmdet's train.py arguments for the run's config into this folder,
        with ``--resume`` (a fresh run starts from scratch; an interrupted
        one continues from its last checkpoint).  A launcher wraps them
        (:mod:`..sweep.launchers`)."""
        args = [self.config_file, '--work-dir', self.path, '--resume']
        if cfg_options:
            args += ['--cfg-options'] + list(cfg_options)
        return args

    def results(self) -> RunResult:
        try:
            sessions = self.read_status().sessions
        except RunStateError:
            sessions = []
        return read_results(self.path, sessions)
