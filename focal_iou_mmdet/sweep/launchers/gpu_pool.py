"""GPUs for a local sweep: each run gets its own set through
``CUDA_VISIBLE_DEVICES``, and no GPU is handed to two runs at once.

The devices are the ones this process may use: the entries of
``CUDA_VISIBLE_DEVICES`` when it is set (indices or UUIDs, kept as they
are), else ``0 .. torch.cuda.device_count() - 1``.  Without CUDA the list
is empty and the sweep trains on CPU as before.
"""
import os
from typing import Dict, List, Optional, Sequence


def visible_gpus(environ: Optional[Dict[str, str]] = None,
                 device_count: Optional[int] = None) -> List[str]:
    """The GPU ids a child process can be given (``[]``: no CUDA)."""
    environ = os.environ if environ is None else environ
    if device_count is None:
        import torch
        device_count = torch.cuda.device_count() if \
            torch.cuda.is_available() else 0
    if device_count == 0:
        return []
    listed = environ.get('CUDA_VISIBLE_DEVICES')
    if listed is not None:
        ids = [x.strip() for x in listed.split(',') if x.strip()]
        # CUDA stops at the first invalid entry; torch counted the valid ones
        return ids[:device_count]
    return [str(i) for i in range(device_count)]


class GpuPool:
    """Hands out disjoint sets of ``per_run`` GPUs, lowest ids first."""

    def __init__(self, gpus: Sequence[str], per_run: int = 1):
        if per_run < 1:
            raise ValueError(f'--gpus-per-run must be >= 1, got {per_run}')
        if len(set(gpus)) != len(gpus):
            raise ValueError(f'duplicate GPU ids in {list(gpus)}')
        if gpus and per_run > len(gpus):
            raise ValueError(
                f'--gpus-per-run {per_run} but only {len(gpus)} GPU(s) are '
                f'visible ({",".join(gpus)}); set CUDA_VISIBLE_DEVICES or '
                'lower --gpus-per-run')
        self.gpus = list(gpus)
        self.per_run = per_run
        self._free = list(gpus)

    @property
    def capacity(self) -> int:
        """Runs that can train at once."""
        return len(self.gpus) // self.per_run

    def acquire(self) -> Optional[List[str]]:
        """``per_run`` free GPUs (removed from the pool), or None."""
        if len(self._free) < self.per_run:
            return None
        order = {g: i for i, g in enumerate(self.gpus)}
        self._free.sort(key=order.__getitem__)
        taken, self._free = (self._free[:self.per_run],
                             self._free[self.per_run:])
        return taken

    def release(self, gpus: Sequence[str]) -> None:
        for g in gpus:
            if g not in self.gpus or g in self._free:
                raise ValueError(f'GPU {g!r} was not handed out by this pool')
            self._free.append(g)
