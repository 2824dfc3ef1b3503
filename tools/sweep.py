"""Ablation sweeps: plan, run (local, or SLURM arrays), status, report.

    python tools/sweep.py {plan,run,status,report} SPEC [options]

See ``python tools/sweep.py -h`` and the README ("Sweeps").
"""
import sys

from focal_iou_mmdet.sweep.__main__ import main

if __name__ == '__main__':
    sys.exit(main())
