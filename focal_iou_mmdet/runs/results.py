"""A run's results, read from mmengine's JSON outputs (never from logs).

mmengine writes ``<run dir>/<timestamp>/vis_data/scalars.json``: one JSON
record a line (a line cut short by a killed run is skipped), training records every logger interval and one validation
record per evaluation whose ``step`` is the epoch (any evaluator of
:mod:`.metric_families`: COCO, VOC).  A resumed run has one
timestamp folder per session; they are read in order, a later record for the
same epoch or iteration replacing an earlier one.
"""
import glob
import json
import math
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .metric_families import MetricFamily, family_of
from .run_status import sessions_seconds

@dataclass
class RunResult:
    """What one training run produced: validation records by epoch,
    training records in iteration order, and its training sessions."""
    path: str
    val: Dict[int, Dict[str, float]] = field(default_factory=dict)
    train: List[dict] = field(default_factory=list)
    sessions: List[dict] = field(default_factory=list)
    #: lines of scalars.json that were not a JSON record (a run killed
    #: while mmengine wrote one): skipped, the rest counted
    skipped_lines: int = 0

    @property
    def epochs(self) -> List[int]:
        return sorted(self.val)

    @property
    def family(self) -> Optional[MetricFamily]:
        """The metric family of the last evaluated epoch (None: none)."""
        return family_of(self.val[max(self.val)]) if self.val else None

    @property
    def final(self) -> Dict[str, Optional[float]]:
        """Short-named metrics of the last evaluated epoch, in the family's
        order; None where the set has no objects of that size (CocoMetric's
        -1)."""
        family = self.family
        if family is None:
            return {}
        last = self.val[max(self.val)]
        return {short: (None if last[key] < 0 else last[key])
                for key, short in family.short_names(last).items()}

    @property
    def primary(self) -> Optional[float]:
        """The family's headline metric at the last evaluated epoch."""
        family = self.family
        return self.final.get(family.primary) if family else None

    def curve(self, key: Optional[str] = None) -> Dict[int, float]:
        """A validation metric by epoch (default: the primary metric)."""
        if key is None:
            family = self.family
            if family is None:
                return {}
            key = family.primary_key()
        return {e: v[key] for e, v in sorted(self.val.items()) if key in v}

    @property
    def train_time_s(self) -> Optional[float]:
        """Wall-clock seconds of all training sessions (attempts)."""
        return sessions_seconds(self.sessions)

    def note(self) -> str:
        """``(AP x, AP_s y)`` (``(mAP x)`` for VOC) of the last evaluated
        epoch, or ''."""
        family = self.family
        if family is None or self.primary is None:
            return ''
        parts = [f'{family.primary} {self.primary * 100:.1f}']
        if family.small:
            small = self.final.get(family.small)
            parts.append(f'{family.small} ' +
                         ('n/a' if small is None else f'{small * 100:.1f}'))
        return '(' + ', '.join(parts) + ')'

    @property
    def non_finite_loss(self) -> Optional[dict]:
        """The first training record whose loss is NaN or infinite (None:
        none): the run diverged."""
        return next((r for r in self.train
                     if isinstance(r.get('loss'), (int, float))
                     and not math.isfinite(r['loss'])), None)

    def problems(self, done: bool) -> List[str]:
        """What a reader of this run's numbers must know: skipped lines of
        scalars.json (a cut last line drops that epoch's metrics: the
        numbers shown are of the last whole record), a diverged training
        (non-finite loss), a finished run with no evaluation."""
        out = []
        if self.skipped_lines:
            last = max(self.val) if self.val else None
            out.append(f'{self.skipped_lines} unreadable line(s) of '
                       'scalars.json skipped (cut short by a killed '
                       'writer?); its metrics are of the last whole record'
                       + (f', epoch {last}' if last is not None else ''))
        bad = self.non_finite_loss
        if bad is not None:
            where = (f'epoch {bad["epoch"]}, ' if 'epoch' in bad else '') + \
                f'iteration {bad.get("iter", "?")}'
            out.append(f'diverged: loss {bad["loss"]} at {where}')
        if done and not self.val:
            out.append('no validation metrics: nothing was evaluated' + (
                ' (diverged)' if bad is not None else ''))
        return out

    def train_loss_by_epoch(self, key: str = 'loss_bbox') -> Dict[int, float]:
        """Mean of a training loss over each epoch's logged records."""
        by_epoch: Dict[int, List[float]] = {}
        for r in self.train:
            if key in r and 'epoch' in r:
                by_epoch.setdefault(int(r['epoch']), []).append(r[key])
        return {e: sum(v) / len(v) for e, v in sorted(by_epoch.items())}


def scalars_files(path: str) -> List[str]:
    return sorted(glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))


def read_results(path: str, sessions: Optional[List[dict]] = None
                 ) -> RunResult:
    """The validation and training records under the run folder ``path``."""
    result = RunResult(path=path, sessions=list(sessions or []))
    train: Dict[int, dict] = {}
    for scalars in scalars_files(path):
        with open(scalars, errors='replace') as f:
            for line in f:
                if line.strip() and not _add_record(result, train, line):
                    result.skipped_lines += 1
    result.train = [train[k] for k in sorted(train)]
    return result


def _add_record(result: RunResult, train: Dict[int, dict], line: str
                ) -> bool:
    """File one scalars.json line; False for a line that is not a record
    (cut short by a killed writer, or not mmengine's)."""
    try:
        rec = json.loads(line)
        if not isinstance(rec, dict):
            return False
        if family_of(rec) is not None:
            result.val[int(rec['step'])] = rec
        elif 'iter' in rec:
            train[int(rec['iter'])] = rec
    except (ValueError, KeyError, TypeError):
        return False
    return True
