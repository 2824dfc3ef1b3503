"""Whether a checkpoint can be resumed from, without trusting it: it is
opened the way mmengine resumes
(:func:`~focal_iou_mmdet.utils.checkpoint_globals.load_checkpoint_safely`)."""
from typing import Optional


def unloadable_reason(path: str) -> Optional[str]:
    """None when ``path`` loads; else why not (one line)."""
    from ..utils.checkpoint_globals import load_checkpoint_safely
    try:
        load_checkpoint_safely(path)
    except Exception as e:  # noqa: BLE001  (any failure: not resumable)
        first = (str(e).splitlines() or [''])[0][:160]
        return f'{type(e).__name__}: {first}'
    return None
