from .compare import (TINY_RUN_OPTIONS, RunSpec, config_path, format_table, run_all, summarize,
                      train_run, verdict)
from .report import compare
from .results import COCO_KEYS, RunResult, read_run

__all__ = [
    'TINY_RUN_OPTIONS', 'RunSpec', 'config_path', 'format_table', 'run_all', 'summarize',
    'train_run', 'verdict', 'compare', 'COCO_KEYS', 'RunResult', 'read_run'
]
