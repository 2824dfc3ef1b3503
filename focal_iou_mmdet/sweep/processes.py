"""Child-process helpers shared by the launchers and the worker: tie a
child's life to its parent, and show the end of a failed process's log."""
import ctypes
import signal


def die_with_parent():
    """preexec_fn: SIGTERM this child when its parent dies (Linux), so a
    killed sweep or worker leaves no orphan training behind."""
    try:
        ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:
        pass


def error_tail(log_path: str, lines: int = 15) -> str:
    """The last error lines and the tail of a log, for a failure message."""
    try:
        with open(log_path, errors='replace') as f:
            tail = f.read()[-20000:].splitlines()
    except OSError:
        return ''
    errors = [ln for ln in tail if 'Error' in ln or 'error:' in ln]
    return '\n'.join((errors[-3:] if errors else []) + tail[-lines:])
