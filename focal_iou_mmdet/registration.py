"""Registering the package's modules in mmdet's registries, when mmdet is
imported (see the package docstring).

:func:`register` checks the environment, imports the modules (their
``@MODELS.register_module()`` decorators register them), allow-lists
mmengine's checkpoint globals for ``torch.load(weights_only=True)`` and
makes ``diou_nms`` resolvable in mmcv.  :func:`register_when_mmdet_is_imported`
runs it at once when mmdet is imported already; otherwise a one-shot import
hook (it removes itself) wraps mmdet's own import: the environment checks
first (so a missing mmcv or mmcv-lite is a clear message, not an error deep
inside mmdet), then mmdet, then :func:`register`.
"""
import importlib.abc
import sys

_DONE = False


def register() -> None:
    """Check the environment and register everything (idempotent)."""
    global _DONE
    if _DONE:
        return
    _DONE = True
    from .environment import check_environment
    check_environment()
    from . import engine, models  # noqa: F401  (their decorators register)
    from .ops import register_diou_nms
    from .utils.checkpoint_globals import allow_mmengine_checkpoint_globals
    allow_mmengine_checkpoint_globals()
    register_diou_nms()


def _checked_import(exec_module):
    """mmdet's loader, wrapped: environment checks, mmdet, registration."""

    def exec_then_register(module):
        from .environment import (EnvironmentProblem, check_before_mmdet,
                                  mmdet_import_message)
        version = check_before_mmdet()
        try:
            exec_module(module)
        except AssertionError as e:  # mmdet's own version-range check
            raise EnvironmentProblem(mmdet_import_message(e, version)) from e
        register()

    return exec_then_register


class _WhenMmdetIsImported(importlib.abc.MetaPathFinder):
    """Finds ``mmdet`` through the other finders and wraps its loader."""

    def find_spec(self, name, path=None, target=None):
        if name != 'mmdet':
            return None
        sys.meta_path.remove(self)
        from importlib.util import find_spec
        spec = find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader.exec_module = _checked_import(spec.loader.exec_module)
        return spec


def register_when_mmdet_is_imported() -> None:
    if 'mmdet' in sys.modules:
        register()
        return
    if 'torch' in sys.modules:  # cheap now: resume works without mmdet too
        from .utils.checkpoint_globals import \
            allow_mmengine_checkpoint_globals
        allow_mmengine_checkpoint_globals()
    if not any(isinstance(f, _WhenMmdetIsImported) for f in sys.meta_path):
        sys.meta_path.insert(0, _WhenMmdetIsImported())
