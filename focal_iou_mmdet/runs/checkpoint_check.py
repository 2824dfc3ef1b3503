"""Whether a checkpoint can be resumed from, without trusting it: it is
opened the way mmengine resumes (``torch.load(weights_only=True)``, with
exactly the globals mmengine checkpoints hold allowed), memory-mapped so
that a large file costs little.  Never ``weights_only=False``."""
from typing import Optional


def unloadable_reason(path: str) -> Optional[str]:
    """None when ``path`` loads; else why not (one line)."""
    import torch

    from ..utils.checkpoint_globals import allow_mmengine_checkpoint_globals
    allow_mmengine_checkpoint_globals()
    try:
        torch.load(path, map_location='cpu', weights_only=True, mmap=True)
    except Exception as e:  # noqa: BLE001  (any failure: not resumable)
        first = (str(e).splitlines() or [''])[0][:160]
        return f'{type(e).__name__}: {first}'
    return None
