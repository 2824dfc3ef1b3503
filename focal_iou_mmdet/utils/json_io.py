"""Atomic files: a crash (or a full disk) leaves either the old or the new
file, never a cut one, and no temporary file behind."""
import contextlib
import json
import os


@contextlib.contextmanager
def atomic_write(path: str, mode: str = 'w', **kwargs):
    """Open a temporary file beside ``path`` for writing; on success it is
    flushed, synced and renamed over ``path``; on any error it is removed
    and the error goes on (``path`` keeps its old content)."""
    tmp = f'{path}.{os.getpid()}.tmp'
    try:
        with open(tmp, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def write_json(path: str, obj) -> None:
    """Write ``obj`` to ``path`` atomically (:func:`atomic_write`)."""
    with atomic_write(path) as f:
        json.dump(obj, f, indent=1, default=str)
