"""The run layer: one training run's folder, state, lock, config lookup,
train command and results.  Sweeps (:mod:`..sweep`) and the analysis
(:mod:`..analysis`) stand on it; it imports neither."""
from .config_lookup import config_path
from .metric_families import (COCO_METRICS, FAMILIES, VOC_METRICS,
                              MetricFamily, family_of)
from .results import RunResult, read_results, sessions_seconds
from .run_dir import STATES, TRAIN_CMD, RunDir, RunStateError
from .run_lock import RunLock, RunLockError
from .tiny_run_options import TINY_RUN_OPTIONS, as_cfg_options

__all__ = [
    'config_path', 'COCO_METRICS', 'FAMILIES', 'VOC_METRICS', 'MetricFamily',
    'family_of', 'RunResult', 'read_results',
    'sessions_seconds',
    'STATES', 'TRAIN_CMD', 'RunDir', 'RunStateError', 'RunLock',
    'RunLockError', 'TINY_RUN_OPTIONS',
    'as_cfg_options'
]
