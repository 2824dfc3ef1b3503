"""The worker: the process a launcher starts to train one planned run.

    python -m focal_iou_mmdet.sweep.launchers.worker RUN_DIR [--launcher local|slurm]
        [--nproc N] [--max-attempts K] [--time-limit-signal SIG]

Exit codes (:mod:`.worker_exit`): 0 done, 1 failed (also: its lock or
status cannot be used; the message says why), 4 another live worker holds
the run, 143 interrupted (the run stays pending and resumes next time).
The attempt itself is :mod:`.training`; the launcher's task side says how
to start it (:mod:`.launchers`).
"""
import argparse
import sys

from ...runs import RunDir
from . import LAUNCHERS
from .training import train


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog='python -m focal_iou_mmdet.sweep.launchers.worker',
        description=__doc__.splitlines()[0])
    p.add_argument('run_dir')
    p.add_argument('--launcher', choices=sorted(LAUNCHERS), default='local')
    p.add_argument('--nproc', type=int, default=1,
                   help='ranks of a local run over several GPUs (torchrun)')
    p.add_argument('--max-attempts', type=int, default=None,
                   help='start the run at most this many times in all')
    p.add_argument('--time-limit-signal', default=None,
                   help='slurm: the signal that warns of the time limit '
                   '(default USR1)')
    args = p.parse_args(argv)
    launcher = LAUNCHERS[args.launcher]
    task = launcher.task(args.nproc, args.time_limit_signal) \
        if args.time_limit_signal else launcher.task(args.nproc)
    return train(RunDir(args.run_dir), task, args.launcher, args.max_attempts)


if __name__ == '__main__':
    sys.exit(main())
