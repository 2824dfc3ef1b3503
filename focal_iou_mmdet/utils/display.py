"""Durations and paths as a sweep prints them."""
import os
import os.path as osp
from typing import Optional


def fmt_duration(seconds: Optional[float]) -> str:
    """``1h02m``, ``3m05s``, ``42s``; ``-`` for unknown."""
    if seconds is None:
        return '-'
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f'{h}h{m:02d}m' if h else (f'{m}m{s:02d}s' if m else f'{s}s')


def relpath(path: str) -> str:
    """``path`` relative to the working directory when it lies below it,
    else as given (never ``../``: where the checkout lives must not change
    what is printed)."""
    try:
        rel = osp.relpath(path)
    except ValueError:
        return path
    return path if rel == '..' or rel.startswith('..' + os.sep) else rel
