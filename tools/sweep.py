"""Ablation sweeps: plan, run (local, or one SLURM array), status, report.

    python tools/sweep.py {plan,run,status,report} SPEC [options]

See ``python tools/sweep.py -h`` and the README ("Sweeps").
"""
import os
import sys

if __name__ == '__main__':
    # run from a source checkout without installing: put the repo first
    # (the sweep's workers import the same copy: launch._python_path)
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    from focal_iou_mmdet.sweep.__main__ import main
    sys.exit(main())
