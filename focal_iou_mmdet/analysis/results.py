"""Read a training run's results from mmengine's JSON outputs (not logs).

mmengine writes ``<work_dir>/<timestamp>/vis_data/scalars.json`` (one JSON
record a line: training records every logger interval, and one validation
record per evaluation whose ``step`` is the epoch).  A resumed run has one
timestamp folder per session; they are read in order, a later record for the
same epoch/iteration replacing an earlier one.
"""
import glob
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional

# CocoMetric keys -> short names, in report order
COCO_KEYS = {
    'coco/bbox_mAP': 'AP',
    'coco/bbox_mAP_50': 'AP50',
    'coco/bbox_mAP_75': 'AP75',
    'coco/bbox_mAP_s': 'AP_s',
    'coco/bbox_mAP_m': 'AP_m',
    'coco/bbox_mAP_l': 'AP_l',
}
RUN_INFO = 'run_info.json'


@dataclass
class RunResult:
    """What one training run produced."""
    work_dir: str
    val: Dict[int, Dict[str, float]] = field(default_factory=dict)
    train: List[dict] = field(default_factory=list)
    info: dict = field(default_factory=dict)

    @property
    def epochs(self) -> List[int]:
        return sorted(self.val)

    @property
    def final(self) -> Dict[str, float]:
        """Short-named COCO metrics of the last evaluated epoch (AP_l etc.
        are None where the set has no such objects: CocoMetric's -1)."""
        if not self.val:
            return {}
        last = self.val[max(self.val)]
        return {
            short: (None if last.get(key, -1) < 0 else last[key])
            for key, short in COCO_KEYS.items()
        }

    @property
    def train_time_s(self) -> Optional[float]:
        sessions = self.info.get('sessions', [])
        return sum(s['seconds'] for s in sessions) if sessions else None

    def train_loss_by_epoch(self, key: str = 'loss_bbox') -> Dict[int, float]:
        """Mean of a training loss over each epoch's logged records."""
        by_epoch: Dict[int, List[float]] = {}
        for r in self.train:
            if key in r and 'epoch' in r:
                by_epoch.setdefault(int(r['epoch']), []).append(r[key])
        return {e: sum(v) / len(v) for e, v in sorted(by_epoch.items())}


def scalars_files(work_dir: str) -> List[str]:
    return sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))


def read_run(work_dir: str) -> RunResult:
    """Collect the validation and training records of ``work_dir``."""
    result = RunResult(work_dir=work_dir)
    train: Dict[int, dict] = {}
    for path in scalars_files(work_dir):
        with open(path) as f:
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
    info = osp.join(work_dir, RUN_INFO)
    if osp.exists(info):
        with open(info) as f:
            result.info = json.load(f)
    return result
