"""An exclusive, non-blocking lock on a run folder (``flock``).

The process that trains a run holds it and writes ``<pid> <host>`` into the
lock file; the kernel releases the lock when that process dies, so a lock
never outlives its holder.  Probing (``is_held_elsewhere``) opens the file
read-only, so it works on a read-only work root too.
"""
import errno
import fcntl
import os
import socket
from typing import Optional


class RunLockError(RuntimeError):
    """The lock cannot be taken or probed for another reason than another
    holder (the message names the path and the reason)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f'cannot lock {path}: {reason}')
        self.path, self.reason = path, reason


class RunLock:
    """``acquire()`` returns False when another process holds the lock and
    raises :class:`RunLockError` when it cannot be taken at all."""

    def __init__(self, path: str):
        self.path = path
        self.fd = None

    def _open(self, flags: int) -> int:
        if os.path.isdir(self.path):
            raise RunLockError(self.path, 'it is a directory, not a file')
        try:
            return os.open(self.path, flags, 0o644)
        except OSError as e:
            raise RunLockError(self.path, e.strerror or str(e)) from None

    @staticmethod
    def _try_flock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True

    def acquire(self) -> bool:
        fd = self._open(os.O_RDWR | os.O_CREAT)
        if not self._try_flock(fd):
            os.close(fd)
            return False
        self.fd = fd
        os.ftruncate(fd, 0)
        os.write(fd, f'{os.getpid()} {socket.gethostname()}\n'.encode())
        return True

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def is_held_elsewhere(self) -> bool:
        """True when another live process holds the lock (probes it)."""
        if not os.path.lexists(self.path):
            return False
        fd = self._open(os.O_RDONLY)
        try:
            if self._try_flock(fd):
                fcntl.flock(fd, fcntl.LOCK_UN)
                return False
            return True
        finally:
            os.close(fd)

    def holder(self) -> Optional[str]:
        """``'pid N on HOST'`` as the holder wrote it, or None."""
        try:
            with open(self.path) as f:
                pid, _, host = f.read().strip().partition(' ')
        except OSError:
            return None
        return f'pid {pid} on {host}' if pid.isdigit() else None
