"""Test a detector: mmdet's tools/test.py with focal_iou_mmdet registered.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
        [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]
        [--allow-partial-checkpoint]

CONFIG is a path or the file name of a shipped config.  A checkpoint that
lacks some of the model's parameters (another architecture) is refused
unless ``--allow-partial-checkpoint`` is given.
"""
import sys

from focal_iou_mmdet import register_all_modules
from focal_iou_mmdet.runs.config_lookup import (ToolArgumentError,
                                                 with_config_resolved)
from focal_iou_mmdet.utils import run_mmdet_tool
from focal_iou_mmdet.utils.checkpoint_globals import checkpoint_fit

PARTIAL = '--allow-partial-checkpoint'


def main(argv):
    try:
        argv = with_config_resolved(argv)
    except ToolArgumentError as e:
        return f'error: {e}'
    register_all_modules()
    partial = PARTIAL in argv
    argv = [a for a in argv if a != PARTIAL]
    if len(argv) >= 2 and not argv[1].startswith('-') and not partial:
        try:
            found, total, missing = checkpoint_fit(argv[0], argv[1])
        except Exception as e:  # noqa: BLE001  (one line, not a traceback)
            first = (str(e).splitlines() or [''])[0][:200]
            return (f'error: checkpoint {argv[1]!r} cannot be loaded: '
                    f'{type(e).__name__}: {first}')
        if found < total:
            return (f'error: checkpoint {argv[1]!r} holds {found} of the '
                    f'{total} parameters of the model of {argv[0]!r} (missing '
                    f'e.g. {missing}): another architecture? {PARTIAL} '
                    'loads it anyway')
    run_mmdet_tool('test.py', argv)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
