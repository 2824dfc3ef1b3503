"""Atomic JSON files: a crash leaves either the old or the new file."""
import json
import os


def write_json(path: str, obj) -> None:
    """Write ``obj`` to ``path`` through a temporary file and a rename."""
    tmp = f'{path}.{os.getpid()}.tmp'
    with open(tmp, 'w') as f:
        json.dump(obj, f, indent=1, default=str)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
