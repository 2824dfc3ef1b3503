"""Run mmdet's own command-line tools with this package registered.

mmdet ships ``tools/train.py`` and ``tools/test.py`` inside its wheel
(``mmdet/.mim/tools``); our tools run those files unchanged, so arguments,
defaults and behaviour are exactly mmdet's.
"""
import os.path as osp
import runpy
import sys
from typing import List, Optional


def _mmdet_mim_file(kind: str, name: str) -> str:
    import mmdet
    path = osp.join(osp.dirname(mmdet.__file__), '.mim', kind, name)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'mmdet {kind[:-1]} {name!r} not found at {path}: mmdet must be '
            'installed from its wheel (pip install mmdet==3.3.0)')
    return path


def mmdet_tool_path(name: str) -> str:
    """Path of ``mmdet/.mim/tools/<name>`` in the installed mmdet."""
    return _mmdet_mim_file('tools', name)


def mmdet_config_path(name: str) -> str:
    """Path of an mmdet config, e.g. ``'ssd/ssd300_coco.py'`` (what
    ``'mmdet::ssd/ssd300_coco.py'`` names in a ``_base_``)."""
    return _mmdet_mim_file('configs', name)


def _launcher(argv: List[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == '--launcher' and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith('--launcher='):
            return arg.split('=', 1)[1]
    return 'none'


def _with_cfg_options(argv: List[str], options: List[str]) -> List[str]:
    """Append ``options`` to the ``--cfg-options`` of ``argv``."""
    if not options:
        return argv
    if '--cfg-options' not in argv:
        return argv + ['--cfg-options'] + options
    i = argv.index('--cfg-options') + 1
    while i < len(argv) and not argv[i].startswith('--'):
        i += 1
    return argv[:i] + options + argv[i:]


def run_mmdet_tool(name: str, argv: Optional[List[str]] = None) -> None:
    """Run mmdet's ``tools/<name>`` as ``__main__`` with ``argv``.

    On a machine without CUDA, a ``--launcher pytorch|slurm`` run first
    starts a gloo process group (:mod:`.cpu_dist`).  A distributed run
    destroys its process group when the tool returns: left to interpreter
    shutdown, a rank can abort while the group's threads are torn down
    ("terminate called without an active exception"), failing a run that
    had finished.
    """
    import focal_iou_mmdet  # noqa: F401  (registers our modules)
    from .cpu_dist import init_cpu_process_group
    argv = list(sys.argv[1:] if argv is None else argv)
    argv = _with_cfg_options(argv, init_cpu_process_group(_launcher(argv)))
    path = mmdet_tool_path(name)
    sys.argv = [path] + argv
    runpy.run_path(path, run_name='__main__')
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
