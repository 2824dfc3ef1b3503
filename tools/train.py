"""Train a detector: mmdet's tools/train.py with focal_iou_mmdet registered.

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp]
        [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]

CONFIG is a path or the file name of a shipped config (as ``mim train``
takes it).
"""
import sys

from focal_iou_mmdet import register_all_modules
from focal_iou_mmdet.models.box_loss_check import check_box_losses
from focal_iou_mmdet.runs.config_lookup import (ToolArgumentError,
                                                 with_config_resolved)
from focal_iou_mmdet.utils import run_mmdet_tool

if __name__ == '__main__':
    try:
        argv = with_config_resolved(sys.argv[1:])
    except ToolArgumentError as e:
        sys.exit(f'error: {e}')
    register_all_modules()
    run_mmdet_tool('train.py', argv, config_checks=[check_box_losses])
