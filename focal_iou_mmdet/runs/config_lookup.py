"""Find a config by path or by file name, as users name them
(``retinanet_r50_fpn_focal-ciou_1x_coco.py``), and the first argument of
``tools/train.py`` and ``tools/test.py`` so resolved before mmdet's own
tool runs: one clear line when it is neither, instead of a traceback."""
import os
import os.path as osp
from typing import List, Optional


def shipped_config_roots():
    """Where the package's own configs are: this repo's ``configs/`` and
    the installed package's ``.mim/configs/``."""
    pkg = osp.dirname(osp.dirname(osp.abspath(__file__)))
    return (osp.join(osp.dirname(pkg), 'configs'),
            osp.join(pkg, '.mim', 'configs'))


def config_root_of(path: str) -> Optional[str]:
    """The shipped config tree that holds ``path`` (None: elsewhere)."""
    real = osp.realpath(path)
    for root in shipped_config_roots():
        root = osp.realpath(root)
        if real.startswith(root + os.sep):
            return root
    return None


def config_path(name: str) -> str:
    """``name`` as a path, else the file of that name under this repo's
    ``configs/`` or the installed package's ``.mim/configs/``."""
    if osp.isfile(name):
        return osp.abspath(name)
    for root in shipped_config_roots():
        for dirpath, _, files in os.walk(root):
            if osp.basename(name) in files:
                return osp.join(dirpath, osp.basename(name))
    raise FileNotFoundError(f'config {name!r} not found as a path nor under '
                            'configs/')


class ToolArgumentError(ValueError):
    """An argument that cannot be used (the message says which and why)."""


def with_config_resolved(argv: List[str]) -> List[str]:
    """``argv`` with its config (the first argument) as a path."""
    if not argv or argv[0].startswith('-'):
        return list(argv)  # mmdet's parser says what is missing
    try:
        return [config_path(argv[0])] + list(argv[1:])
    except FileNotFoundError:
        raise ToolArgumentError(
            f'config {argv[0]!r} not found: give a path, or the file name '
            'of a shipped config (e.g. retinanet_r50_fpn_focal-ciou_1x_'
            'coco.py)') from None
