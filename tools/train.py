"""Train a detector: mmdet's tools/train.py with focal_iou_mmdet registered.

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp]
        [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]
"""
from focal_iou_mmdet.utils import run_mmdet_tool

if __name__ == '__main__':
    run_mmdet_tool('train.py')
