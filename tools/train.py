"""Train a detector: mmdet's tools/train.py with focal_iou_mmdet registered.

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp]
        [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]
"""
import os
import sys

if __name__ == '__main__':
    # Run from a source checkout without installing: put the repo first.
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    from focal_iou_mmdet.utils import run_mmdet_tool
    run_mmdet_tool('train.py')
