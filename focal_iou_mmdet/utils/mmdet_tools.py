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


def run_mmdet_tool(name: str, argv: Optional[List[str]] = None) -> None:
    """Run mmdet's ``tools/<name>`` as ``__main__`` with ``argv``."""
    import focal_iou_mmdet  # noqa: F401  (registers our modules)
    path = mmdet_tool_path(name)
    sys.argv = [path] + list(sys.argv[1:] if argv is None else argv)
    runpy.run_path(path, run_name='__main__')
