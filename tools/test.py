"""Test a detector: mmdet's tools/test.py with focal_iou_mmdet registered.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
        [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]
"""
from focal_iou_mmdet.utils import run_mmdet_tool

if __name__ == '__main__':
    run_mmdet_tool('test.py')
