"""One run's folder: the only place that knows its layout.

::

    <run dir>/                  named by the run id
      plan/<run id>.py          the run's config: _base_ + its overrides
      run.json                  what the run is (id, sweep, values, config)
      status.json               its state, attempts and sessions
      .lock                     held by the process that trains it
      train_stdout.log          training output, a section per attempt
      worker.log                the worker's own output (local sweeps)
      last_checkpoint, epoch_N.pth, <timestamp>/vis_data/scalars.json
                                mmengine's own files

The config sits in ``plan/`` because mmengine dumps the merged config under
the same file name in the run folder.  States: ``pending`` (not started, or
interrupted: it resumes from its last checkpoint), ``queued`` (in a SLURM
array, not started yet), ``running``, ``done`` (the one rule: its training
process exited 0) and ``failed``.  status.json is written atomically.
"""
import glob
import json
import os
import os.path as osp
import re
import sys
import time
from typing import List, Optional, Sequence

from ..utils.json_io import write_json
from .results import RunResult, read_results
from .run_lock import RunLock

STATES = ('pending', 'queued', 'running', 'done', 'failed')


class RunStateError(RuntimeError):
    """A run's status file cannot be read (the message is
    ``unreadable: <path>: <reason>``)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f'unreadable: {path}: {reason}')
        self.path, self.reason = path, reason
#: mmdet's tools/train.py with this package registered
TRAIN_CMD = [
    sys.executable, '-c',
    'from focal_iou_mmdet.utils import run_mmdet_tool; '
    'run_mmdet_tool("train.py")'
]


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

    def write_info(self, info: dict) -> None:
        write_json(self.file(self.INFO), info)

    # -- state -----------------------------------------------------------
    def read_status(self) -> dict:
        """The run's status; :class:`RunStateError` when the file is there
        but cannot be read or is not a status."""
        path = self.file(self.STATUS)
        if not osp.lexists(path):
            return dict(state='pending', attempts=0, sessions=[])
        try:
            with open(path) as f:
                status = json.load(f)
        except (OSError, ValueError) as e:
            raise RunStateError(path, f'{type(e).__name__}: {e}') from None
        if not isinstance(status, dict) or status.get('state') not in STATES:
            raise RunStateError(path, f'not a run status (state must be one '
                                f'of {STATES}): {str(status)[:80]}')
        return status

    def reset_status(self, why: str) -> str:
        """Move an unreadable status file aside (``status.json.unreadable-
        <time>``) and start the run's record afresh as pending; its
        checkpoints stay, so it resumes.  Returns where the old file went."""
        aside = f'{self.file(self.STATUS)}.unreadable-{int(time.time())}'
        os.replace(self.file(self.STATUS), aside)
        write_json(self.file(self.STATUS), dict(
            state='pending', attempts=0, sessions=[], updated=time.time(),
            message=f'status rebuilt ({why}); the old file is {aside}'))
        return aside

    def update_status(self, **fields) -> dict:
        status = self.read_status()
        status.update(fields)
        status['updated'] = time.time()
        write_json(self.file(self.STATUS), status)
        return status

    def is_done(self) -> bool:
        try:
            return self.read_status()['state'] == 'done'
        except RunStateError:
            return False

    def has_started(self) -> bool:
        """Queued, running, finished or interrupted (it has attempts, so a
        checkpoint it would resume from); an unreadable status counts as
        started."""
        try:
            status = self.read_status()
        except RunStateError:
            return True
        return status['state'] != 'pending' or bool(status.get('attempts'))

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

    def repair_checkpoint(self) -> Optional[str]:
        """Make ``--resume`` safe when ``last_checkpoint`` names a file that
        is gone: point it at the newest checkpoint that exists, or remove it
        (training starts over).  Returns what was done, or None."""
        last = self.file(self.LAST_CHECKPOINT)
        if not osp.exists(last):
            return None
        with open(last) as f:
            named = f.read().strip()
        if named and osp.isfile(named):
            return None
        existing = self.checkpoints()
        if existing:
            with open(last + '.tmp', 'w') as f:
                f.write(existing[-1])
            os.replace(last + '.tmp', last)
            return (f'last_checkpoint named a missing file ({named}); '
                    f'resuming from {osp.basename(existing[-1])} instead')
        os.remove(last)
        return (f'last_checkpoint named a missing file ({named}) and no '
                'checkpoint is left; starting over')

    # -- training and results ------------------------------------------
    @property
    def predictions_file(self) -> str:
        """The detections of the run's last COCO evaluation (COCO results
        json), when its evaluator is a CocoMetric."""
        return self.file(self.PREDICTIONS_PREFIX + '.bbox.json')

    def prediction_options(self) -> List[str]:
        """``--cfg-options`` that make a CocoMetric validation write its
        detections to :attr:`predictions_file` (nothing for another
        evaluator, or a config that cannot be read)."""
        try:
            from mmengine.config import Config
            evaluator = Config.fromfile(self.config_file).get('val_evaluator')
        except Exception:  # noqa: BLE001  (training will say what is wrong)
            return []
        if not isinstance(evaluator, dict) or \
                evaluator.get('type') not in ('CocoMetric', 'mmdet.CocoMetric'):
            return []
        os.makedirs(osp.dirname(self.file(self.PREDICTIONS_PREFIX)),
                    exist_ok=True)
        return [f'val_evaluator.outfile_prefix='
                f'{self.file(self.PREDICTIONS_PREFIX)}']

    def train_command(self, launcher: str = 'none', nproc: int = 1,
                      master_port: Optional[int] = None,
                      cfg_options: Sequence[str] = ()) -> List[str]:
        """mmdet's train.py on the run's config into this folder, with
        ``--resume`` (a fresh run starts from scratch; an interrupted one
        continues from its last checkpoint).  ``launcher='slurm'``: the
        ranks of the current SLURM allocation, started by ``srun``;
        ``launcher='pytorch'``: ``nproc`` ranks on this machine, started by
        torchrun (one per GPU of the run's ``CUDA_VISIBLE_DEVICES``)."""
        cmd = TRAIN_CMD + [self.config_file, '--work-dir', self.path,
                           '--resume']
        if cfg_options:
            cmd += ['--cfg-options'] + list(cfg_options)
        if launcher == 'slurm':
            cmd = ['srun', '--kill-on-bad-exit=1'] + cmd + ['--launcher',
                                                            'slurm']
        elif launcher == 'pytorch':
            cmd = [sys.executable, '-m', 'torch.distributed.run',
                   f'--nproc_per_node={nproc}',
                   f'--master_port={master_port or 29500}', '--no-python'
                   ] + cmd + ['--launcher', 'pytorch']
        elif launcher != 'none':
            raise ValueError(f'launcher {launcher!r}: one of none, pytorch, '
                             'slurm')
        return cmd

    def results(self) -> RunResult:
        try:
            sessions = self.read_status().get('sessions', [])
        except RunStateError:
            sessions = []
        return read_results(self.path, sessions)
