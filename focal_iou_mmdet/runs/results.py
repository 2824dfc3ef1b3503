"""A run's results, read from mmengine's JSON outputs (never from logs).

mmengine writes ``<run dir>/<timestamp>/vis_data/scalars.json``: one JSON
record a line, training records every logger interval and one validation
record per evaluation whose ``step`` is the epoch.  A resumed run has one
timestamp folder per session; they are read in order, a later record for the
same epoch or iteration replacing an earlier one.
"""
import glob
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional

#: CocoMetric keys -> short names, in report order
COCO_KEYS = {
    'coco/bbox_mAP': 'AP',
    'coco/bbox_mAP_50': 'AP50',
    'coco/bbox_mAP_75': 'AP75',
    'coco/bbox_mAP_s': 'AP_s',
    'coco/bbox_mAP_m': 'AP_m',
    'coco/bbox_mAP_l': 'AP_l',
}
METRICS = list(COCO_KEYS.values())


@dataclass
class RunResult:
    """What one training run produced: validation records by epoch,
    training records in iteration order, and its training sessions."""
    path: str
    val: Dict[int, Dict[str, float]] = field(default_factory=dict)
    train: List[dict] = field(default_factory=list)
    sessions: List[dict] = field(default_factory=list)

    @property
    def epochs(self) -> List[int]:
        return sorted(self.val)

    @property
    def final(self) -> Dict[str, Optional[float]]:
        """Short-named metrics of the last evaluated epoch; None where the
        set has no objects of that size (CocoMetric's -1)."""
        if not self.val:
            return {}
        last = self.val[max(self.val)]
        return {short: (None if last.get(key, -1) < 0 else last[key])
                for key, short in COCO_KEYS.items()}

    def curve(self, key: str = 'coco/bbox_mAP') -> Dict[int, float]:
        """A validation metric by epoch."""
        return {e: v[key] for e, v in sorted(self.val.items()) if key in v}

    @property
    def train_time_s(self) -> Optional[float]:
        """Wall-clock seconds of all training sessions (attempts)."""
        return sessions_seconds(self.sessions)

    def train_loss_by_epoch(self, key: str = 'loss_bbox') -> Dict[int, float]:
        """Mean of a training loss over each epoch's logged records."""
        by_epoch: Dict[int, List[float]] = {}
        for r in self.train:
            if key in r and 'epoch' in r:
                by_epoch.setdefault(int(r['epoch']), []).append(r[key])
        return {e: sum(v) / len(v) for e, v in sorted(by_epoch.items())}


def sessions_seconds(sessions: List[dict]) -> Optional[float]:
    """Wall-clock seconds of a run's training sessions (None: none yet)."""
    secs = [s['seconds'] for s in sessions if s.get('seconds') is not None]
    return round(sum(secs), 1) if secs else None


def scalars_files(path: str) -> List[str]:
    return sorted(glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))


def read_results(path: str, sessions: Optional[List[dict]] = None
                 ) -> RunResult:
    """The validation and training records under the run folder ``path``."""
    result = RunResult(path=path, sessions=list(sessions or []))
    train: Dict[int, dict] = {}
    for scalars in scalars_files(path):
        with open(scalars) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                rec = json.loads(line)
                if any(k in rec for k in COCO_KEYS):
                    result.val[int(rec['step'])] = rec
                elif 'iter' in rec:
                    train[int(rec['iter'])] = rec
    result.train = [train[k] for k in sorted(train)]
    return result
