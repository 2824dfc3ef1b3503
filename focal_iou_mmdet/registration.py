"""Registering the package's modules in mmdet's registries: by importing
them, as OpenMMLab packages do -- no import hook.

* A config says ``custom_imports=dict(imports=['focal_iou_mmdet.models',
  'focal_iou_mmdet.engine'], allow_failed_imports=False)``: importing
  :mod:`.models` checks the environment (a clear message for a missing
  mmcv, mmcv-lite or an mmcv out of mmdet's range, before mmdet's own
  error), registers the losses and heads (their ``@MODELS.register_module()``
  decorators) and ``diou_nms`` (:mod:`.ops`); importing :mod:`.engine`
  registers its hooks and lets ``torch.load(weights_only=True)`` read
  mmengine checkpoints, so ``--resume`` works on torch >= 2.6.
* A script calls :func:`register_all_modules` (the same imports, plus
  mmdet's own and, if asked, the default scope).

Importing ``focal_iou_mmdet`` itself registers nothing and imports neither
torch nor mmdet (the sweep CLI reads JSON files).  A failure to register
raises :class:`RegistrationError` with its cause, every time it is tried:
nothing is marked done before it is.
"""
import importlib

#: the modules whose import registers everything (the configs' imports)
REGISTERING_MODULES = ('focal_iou_mmdet.models', 'focal_iou_mmdet.engine')


class RegistrationError(ImportError):
    """Registering the package failed; ``__cause__`` says why."""


def register_all_modules(init_default_scope: bool = False) -> None:
    """Register mmdet's modules and ours (idempotent; retried after a
    failure).  ``init_default_scope``: also make ``mmdet`` the default
    registry scope, as mmdet's own ``register_all_modules`` does."""
    try:
        for name in REGISTERING_MODULES:
            importlib.import_module(name)
        from mmdet.utils import register_all_modules as register_mmdet
        register_mmdet(init_default_scope=init_default_scope)
    except Exception as e:  # noqa: BLE001  (re-raised with its cause)
        raise RegistrationError(
            f'focal_iou_mmdet could not register its modules in mmdet: '
            f'{type(e).__name__}: {e}') from e


__all__ = ['REGISTERING_MODULES', 'RegistrationError',
           'register_all_modules']
