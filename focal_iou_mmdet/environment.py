"""Checks, at import, that the user's environment can run this package.

torch, mmcv and mmengine are not dependencies of the wheel: they come from
the user's own OpenMMLab environment (a CUDA torch, mmcv built for it).  So
that a mismatch is a clear message instead of an error deep inside mmdet,
:func:`check_environment` looks, before anything imports mmdet, for:

- torch, mmengine and mmcv being importable at all;
- mmcv carrying its compiled ops (``mmcv._ext``; ``mmcv-lite`` has none,
  and mmdet's detectors need ``mmcv.ops``);
- mmcv inside the range that the installed mmdet accepts (mmdet asserts
  this itself at import; a patched mmdet that widens its range is
  respected).

Each problem raises :class:`EnvironmentProblem` (an ImportError) saying what
to install.  The versions tested with this package are
:data:`TESTED_VERSIONS`.
"""
import importlib
import importlib.util
from typing import Optional

#: the combination the test suite runs (see the README's install section)
TESTED_VERSIONS = {'mmcv': '2.1.0', 'mmengine': '0.10.7', 'mmdet': '3.3.0'}

_MIM_HINT = ('install it the OpenMMLab way, matching your torch and CUDA: '
             "pip install -U openmim && mim install 'mmcv==2.1.0'")


class EnvironmentProblem(ImportError):
    """The environment lacks something focal_iou_mmdet needs."""


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):
        return True


def missing_packages_message() -> Optional[str]:
    """What to install when torch, mmengine or mmcv are absent."""
    if _missing('torch'):
        return ('focal_iou_mmdet needs PyTorch, which is not installed: '
                'install torch for your CUDA first (https://pytorch.org), '
                "then mmcv (mim install 'mmcv==2.1.0') and mmengine")
    for name in ('mmengine', 'mmcv'):
        if _missing(name):
            return (f'focal_iou_mmdet needs {name}, which is not installed: '
                    + (_MIM_HINT if name == 'mmcv'
                       else "pip install 'mmengine>=0.10,<0.11'"))
    return None


def mmcv_ops_message(mmcv_version: str, has_ops: bool) -> Optional[str]:
    """A message when mmcv has no compiled ops (e.g. mmcv-lite)."""
    if has_ops:
        return None
    return (f'mmcv {mmcv_version} has no compiled ops (mmcv._ext is missing: '
            'mmcv-lite, or a source build without MMCV_WITH_OPS=1); mmdet '
            'needs mmcv.ops.  Uninstall it and ' + _MIM_HINT)


def mmdet_import_message(error: BaseException, mmcv_version: str) -> str:
    """A message for mmdet refusing to import (its mmcv/mmengine range
    assertion, or anything else it raises)."""
    return (f'mmdet cannot be imported with mmcv {mmcv_version}: {error}  '
            'focal_iou_mmdet is tested with ' +
            ', '.join(f'{k} {v}' for k, v in TESTED_VERSIONS.items()) +
            '; install an mmcv inside the range your mmdet accepts (' +
            _MIM_HINT + ')')


def check_before_mmdet() -> str:
    """The checks that must come before mmdet is imported; returns mmcv's
    version."""
    message = missing_packages_message()
    if message:
        raise EnvironmentProblem(message)
    import mmcv
    version = getattr(mmcv, '__version__', '?')
    message = mmcv_ops_message(version, not _missing('mmcv._ext'))
    if message:
        raise EnvironmentProblem(message)
    return version


def check_environment() -> None:
    """Raise :class:`EnvironmentProblem` naming what to install when the
    environment cannot run this package; do nothing when it can."""
    version = check_before_mmdet()
    try:
        importlib.import_module('mmdet')
    except AssertionError as e:  # mmdet's own version-range check
        raise EnvironmentProblem(mmdet_import_message(e, version)) from e
