"""Ablation sweeps: plan, run (local, or SLURM arrays), status, report,
seeds, cancel.

    python tools/sweep.py {plan,run,status,report,seeds,cancel} SPEC [options]

``python tools/sweep.py -h`` gives each command's usage (from its parser);
docs/sweeps.md says more.
"""
import sys

from focal_iou_mmdet.sweep.__main__ import main

if __name__ == '__main__':
    sys.exit(main())
