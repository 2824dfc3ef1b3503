"""An exclusive, non-blocking lock on a run folder (``flock``).

The process that trains a run holds it; the kernel releases it when that
process dies, so a lock never outlives its holder.
"""
import fcntl
import os


class RunLock:
    """``acquire()`` returns False when another process holds the lock."""

    def __init__(self, path: str):
        self.path = path
        self.fd = None

    def acquire(self) -> bool:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self.fd)
            self.fd = None
            return False
        return True

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def is_held_elsewhere(self) -> bool:
        """True when another live process holds the lock (probes it)."""
        if not os.path.exists(self.path):
            return False
        if self.acquire():
            self.release()
            return False
        return True
