"""Focal IoU loss for MMDetection 3.x.

Importing the package registers nothing and imports neither torch nor
mmdet.  A config registers the package's modules by importing them::

    custom_imports = dict(
        imports=['focal_iou_mmdet.models', 'focal_iou_mmdet.engine'],
        allow_failed_imports=False)

and a script by calling :func:`register_all_modules` (see
:mod:`.registration`).
"""
from .version import __version__


def __getattr__(name):
    """``register_all_modules`` and ``RegistrationError``, imported when
    first asked for (PEP 562)."""
    if name in ('register_all_modules', 'RegistrationError'):
        from . import registration
        return getattr(registration, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


__all__ = ['RegistrationError', '__version__', 'register_all_modules']
