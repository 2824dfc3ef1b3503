"""Let ``torch.load(weights_only=True)`` read mmengine/mmdet checkpoints.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True`` and mmengine
0.10.7 cannot resume: its checkpoints hold the message hub's
``HistoryBuffer`` objects and numpy arrays/scalars (``Unsupported global:
mmengine.logging.history_buffer.HistoryBuffer``).  We keep ``weights_only``
on and allow-list exactly what such a checkpoint contains (found by reading
real checkpoints' pickles):

- ``mmengine.logging.history_buffer.HistoryBuffer``;
- numpy arrays and scalars: ``ndarray``, ``dtype``, the numeric dtype classes
  of ``numpy.dtypes``, ``multiarray._reconstruct`` and ``multiarray.scalar``
  (under both numpy 1 and numpy 2 module names);
- ``getattr``, which a ``HistoryBuffer`` uses to pickle its statistics
  methods (``getattr(HistoryBuffer, 'mean')``).  The real ``getattr`` would
  reach any attribute of any allowed object, so the name is bound to
  :func:`_history_buffer_getattr`, which resolves only those methods.

Anything else (a foreign class, ``os.system``, a ``getattr`` on another
object) is still refused.

Every checkpoint the package opens goes through it: whether one can be
resumed from (:func:`unloadable_reason`), and whether one fits a config's
model (:func:`checkpoint_fit`).
"""
import pickle
from typing import Optional, Tuple

import numpy as np
import torch

_DONE = False


# HistoryBuffer's built-in statistics; it adds them to its class-level
# ``_statistics_methods`` only when a first instance is created.
_BUILTIN_STATISTICS = ('min', 'max', 'mean', 'current')


def _history_buffer_getattr(obj, name):
    from mmengine.logging.history_buffer import HistoryBuffer
    if obj is HistoryBuffer and (name in _BUILTIN_STATISTICS
                                 or name in HistoryBuffer._statistics_methods):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'weights_only checkpoint load: refusing getattr({obj!r}, {name!r}); '
        'only HistoryBuffer statistics methods are allowed')


def _numpy_globals():
    out = [np.ndarray, np.dtype]
    multiarray = getattr(np, '_core', None) or np.core
    multiarray = multiarray.multiarray
    for fn in (multiarray._reconstruct, multiarray.scalar):
        for mod in ('numpy._core.multiarray', 'numpy.core.multiarray'):
            out.append((fn, f'{mod}.{fn.__name__}'))
    dtypes = getattr(np, 'dtypes', None)  # numpy >= 1.25
    if dtypes is not None:
        for name in dir(dtypes):
            cls = getattr(dtypes, name)
            if isinstance(cls, type) and issubclass(cls, np.dtype) and (
                    name != 'ObjectDType'):  # never arbitrary objects
                out.append(cls)
    return out


def mmengine_checkpoint_globals():
    """The globals :func:`allow_mmengine_checkpoint_globals` adds."""
    from mmengine.logging.history_buffer import HistoryBuffer
    return [
        HistoryBuffer,
        (_history_buffer_getattr, 'builtins.getattr'),
        (_history_buffer_getattr, '__builtin__.getattr'),
    ] + _numpy_globals()


def allow_mmengine_checkpoint_globals() -> None:
    """Allow-list the globals of mmengine checkpoints (idempotent).  Called
    when ``focal_iou_mmdet`` is imported."""
    global _DONE
    if _DONE or not hasattr(torch.serialization, 'add_safe_globals'):
        return
    torch.serialization.add_safe_globals(mmengine_checkpoint_globals())
    _DONE = True


def load_checkpoint_safely(path: str):
    """``path`` loaded the way mmengine resumes, without trusting it:
    ``torch.load(weights_only=True)`` with exactly the globals above,
    memory-mapped so that a large file costs little.  Never
    ``weights_only=False``."""
    allow_mmengine_checkpoint_globals()
    return torch.load(path, map_location='cpu', weights_only=True,
                      mmap=True)


def unloadable_reason(path: str) -> Optional[str]:
    """Whether a checkpoint can be resumed from, without trusting it: None
    when ``path`` loads the way mmengine resumes
    (:func:`load_checkpoint_safely`); else why not (one line)."""
    try:
        load_checkpoint_safely(path)
    except Exception as e:  # noqa: BLE001  (any failure: not resumable)
        first = (str(e).splitlines() or [''])[0][:160]
        return f'{type(e).__name__}: {first}'
    return None


def checkpoint_fit(config: str, checkpoint: str) -> Tuple[int, int, list]:
    """Does a checkpoint fit a config's model?  mmengine loads one of
    another architecture with a warning about missing keys and evaluates a
    partly random model (AP near 0, exit 0), so ``tools/test.py`` asks:
    ``(parameters of the model found in the checkpoint with their shape,
    parameters of the model, a few missing names)``."""
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    from mmengine.config import Config
    register_all_modules()
    model = MODELS.build(Config.fromfile(config).model)
    ckpt = load_checkpoint_safely(checkpoint)
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}
    state = {k[len('module.'):] if k.startswith('module.') else k: v
             for k, v in state.items()}
    wanted = dict(model.named_parameters())
    fit = [k for k, v in wanted.items()
           if k in state and tuple(state[k].shape) == tuple(v.shape)]
    missing = [k for k in wanted if k not in set(fit)][:3]
    return len(fit), len(wanted), missing
