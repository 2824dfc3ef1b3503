"""The worker: the process a launcher starts to train one planned run.

    python -m focal_iou_mmdet.sweep.launchers.worker RUN_DIR
        [--launcher NAME] [--max-attempts K] [the launcher's task options]

Exit codes (:mod:`.base`): 0 done, 1 failed (also: its lock or
status cannot be used; the message says why), 4 another live worker holds
the run, 143 interrupted (the run stays pending and resumes next time).
The attempt itself is :mod:`.training`; the launcher's task side says how
to start it and adds its own options (:meth:`.base.Launcher.task`,
:meth:`~.base.Launcher.add_task_arguments`): the worker knows no launcher.
"""
import argparse
import sys

from ...runs import RunDir
from ...utils.cli_numbers import Number
from . import LAUNCHERS
from .training import train


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog='python -m focal_iou_mmdet.sweep.launchers.worker',
        description=__doc__.splitlines()[0])
    p.add_argument('run_dir')
    p.add_argument('--launcher', choices=sorted(LAUNCHERS), default='local')
    p.add_argument('--max-attempts', type=Number(int, 1, 1000), default=None,
                   help='start the run at most this many times in all')
    launcher = LAUNCHERS[p.parse_known_args(argv)[0].launcher]
    launcher.add_task_arguments(p)
    args = p.parse_args(argv)
    return train(RunDir(args.run_dir), launcher.task(args), args.launcher,
                 args.max_attempts)


if __name__ == '__main__':
    sys.exit(main())
