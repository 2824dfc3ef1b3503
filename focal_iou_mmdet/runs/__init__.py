"""The run layer: one training run's folder, status, lock, config lookup
and results.  Sweeps (:mod:`..sweep`) and the analysis (:mod:`..analysis`)
stand on it; it imports neither."""
from .config_lookup import config_path
from .metric_families import (COCO_METRICS, FAMILIES, VOC_METRICS,
                              MetricFamily, family_of)
from .results import RunResult, read_results
from .run_dir import RunDir, RunStateError
from .run_lock import RunLock, RunLockError
from .run_status import (STATES, VIEW_STATES, RunState, RunStatus,
                         RunStatusError)
from .tiny_run_options import TINY_RUN_OPTIONS, as_cfg_options

__all__ = [
    'config_path', 'COCO_METRICS', 'FAMILIES', 'VOC_METRICS', 'MetricFamily',
    'family_of', 'RunResult', 'read_results', 'RunDir', 'RunStateError',
    'RunLock', 'RunLockError', 'RunState', 'RunStatus', 'RunStatusError',
    'STATES', 'VIEW_STATES', 'TINY_RUN_OPTIONS', 'as_cfg_options'
]
