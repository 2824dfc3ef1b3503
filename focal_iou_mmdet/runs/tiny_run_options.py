"""Config overrides of a seconds-long run on a tiny set (the quickstart's
``--smoke`` and the end-to-end tests): no worker processes, batch 4, a log
line per iteration, and every detection kept (an untrained model scores
below mmdet's 0.05, and CocoMetric must have something to evaluate)."""
from typing import Any, Dict, List

TINY_RUN_OPTIONS: Dict[str, Any] = {
    'train_dataloader.batch_size': 4,
    'train_dataloader.num_workers': 0,
    'train_dataloader.persistent_workers': False,
    'val_dataloader.num_workers': 0,
    'val_dataloader.persistent_workers': False,
    'default_hooks.logger.interval': 1,
    'model.test_cfg.score_thr': 0.0,
}


def as_cfg_options(options: Dict[str, Any]) -> List[str]:
    """``['key=value', ...]`` for mmdet's ``--cfg-options``."""
    return [f'{k}={v}' for k, v in options.items()]
