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


#: a run of text without spaces longer than this is cut in messages
LONGEST_WORD = 300


def short_message(text: str, longest: int = LONGEST_WORD) -> str:
    """``text`` on one line, each run of it without spaces that is longer
    than ``longest`` cut to its start and the count of characters: a
    750 KB key in a spec is named, never echoed whole."""
    def cut(word: str) -> str:
        if len(word) <= longest:
            return word
        return f'{word[:longest - 20]}...[{len(word)} characters]'
    return ' '.join(cut(w) for w in str(text).replace('\n', ' ').split(' '))
