"""The first arguments of ``tools/train.py`` and ``tools/test.py``, checked
before mmdet's own tool runs: a config given by path or, as ``mim train``
takes it, by the name of a shipped config; one clear line when it is
neither, instead of a traceback."""
from typing import List

from .config_lookup import config_path


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
