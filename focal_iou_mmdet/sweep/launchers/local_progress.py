"""Progress of a local sweep while it trains: a line per finished epoch of
each active run, with its latest primary metric and the sweep's ETA.

An epoch counts as finished when its checkpoint or its validation record is
written (mmengine's files in the run folder; no logs are parsed).  The ETA
is the epochs left across the sweep times the mean seconds per epoch seen so
far, divided by the runs trained at once.
"""
import time
from typing import Dict, Optional, Sequence

from ...runs import RunDir
from ..spec.sweep_spec import Run, SweepSpec
from ...utils.display import fmt_duration


def max_epochs(run_dir: RunDir) -> Optional[int]:
    """``train_cfg.max_epochs`` of the run's generated config (None for an
    iteration-based schedule or an unreadable config)."""
    try:
        from mmengine.config import Config
        cfg = Config.fromfile(run_dir.config_file)
        return int(cfg.train_cfg.get('max_epochs')) or None
    except Exception:  # noqa: BLE001  (progress output only)
        return None


def finished_epoch(run_dir: RunDir, settled: bool = False) -> int:
    """The newest finished epoch: its checkpoint or validation record
    exists.  Unless ``settled`` (the run has ended), an epoch whose
    checkpoint is written but whose validation may still be running counts
    only once its validation record or the next epoch's training records
    are there, so its line can carry its metric."""
    ckpts = run_dir.checkpoints()
    ckpt_epoch = int(ckpts[-1].rsplit('epoch_', 1)[1][:-4]) if ckpts else 0
    res = run_dir.results()
    val_epoch = max(res.epochs, default=0)
    if settled or ckpt_epoch <= val_epoch:
        return max(ckpt_epoch, val_epoch)
    training = max((int(r['epoch']) for r in res.train if 'epoch' in r),
                   default=0)
    return ckpt_epoch if training > ckpt_epoch else max(ckpt_epoch - 1,
                                                        val_epoch)


class SweepProgress:
    """Prints ``epoch k/N`` lines for the runs being trained."""

    def __init__(self, spec: SweepSpec, runs: Sequence[Run], parallel: int,
                 every: float = 2.0):
        self.spec = spec
        self.runs = list(runs)
        self.parallel = max(1, parallel)
        self.every = every
        self._last_poll = 0.0
        self._seen: Dict[str, int] = {}        # run id -> last epoch printed
        self._since: Dict[str, tuple] = {}     # run id -> (time, epoch)
        self._epochs: Dict[str, Optional[int]] = {}
        self._epoch_seconds = []               # durations observed
        #: no line per epoch (a live view shows them)
        self.quiet_epochs = False

    def started(self, run_id: str) -> None:
        run_dir = self.spec.run_dir(run_id)
        epoch = finished_epoch(run_dir, settled=True)
        self._seen[run_id] = epoch
        self._since[run_id] = (time.time(), epoch)
        if run_id not in self._epochs:
            self._epochs[run_id] = max_epochs(run_dir)

    def poll(self, active: Sequence[str], force: bool = False) -> None:
        """Print a line for the newest epoch each active run finished since
        the last poll (at most every ``every`` seconds; ``force``: the runs
        have ended, poll now and count their last epoch)."""
        now = time.time()
        if not force and now - self._last_poll < self.every:
            return
        self._last_poll = now
        for run_id in active:
            run_dir = self.spec.run_dir(run_id)
            epoch = finished_epoch(run_dir, settled=force)
            if epoch <= self._seen.get(run_id, 0):
                continue
            t0, e0 = self._since.get(run_id, (now, 0))
            if epoch > e0:
                self._epoch_seconds.append((now - t0) / (epoch - e0))
            self._since[run_id] = (now, epoch)
            first = self._seen.get(run_id, 0) + 1
            self._seen[run_id] = epoch
            if self.quiet_epochs:  # the live view shows the epochs
                continue
            # every epoch finished since the last poll, each on its line
            for e in range(first, epoch + 1):
                print('  epoch  ' + self.line(run_id, e, e == epoch),
                      flush=True)

    def line(self, run_id: str, epoch: int, with_eta: bool = True) -> str:
        res = self.spec.run_dir(run_id).results()
        family = res.family
        total = self._epochs.get(run_id)
        text = f'{run_id} {epoch}/{total or "?"}'
        if family is not None:
            curve = res.curve()
            if epoch in curve:
                text += f' {family.primary} {curve[epoch] * 100:.1f}'
        eta = self.eta_seconds() if with_eta else None
        return text + (f'; sweep ETA {fmt_duration(eta)}'
                       if eta is not None else '')

    def epochs(self) -> tuple:
        """(epochs finished, epochs in all) over the sweep, as far as
        known (runs not started count with the epochs of one that has)."""
        known = next((v for v in self._epochs.values() if v), None)
        total, done = 0, 0
        for run in self.runs:
            n = self._epochs.get(run.id) or known or 0
            total += n
            done += min(n, self._seen.get(run.id, 0)) if n else 0
        return done, total or None

    def eta_seconds(self) -> Optional[float]:
        """Epochs left in the sweep x mean seconds per epoch / parallel."""
        if not self._epoch_seconds:
            return None
        per_epoch = sum(self._epoch_seconds) / len(self._epoch_seconds)
        left = 0
        for run in self.runs:
            run_dir = self.spec.run_dir(run.id)
            if run_dir.is_done():
                continue
            total = self._epochs.get(run.id)
            if total is None:
                total = next((v for v in self._epochs.values() if v), None)
            if total is None:
                return None
            left += max(0, total - self._seen.get(run.id, 0))
        return left * per_epoch / self.parallel
