"""The import-time environment check (focal_iou_mmdet/environment.py)."""
import importlib.util
import subprocess
import sys

import pytest

from focal_iou_mmdet import environment
from focal_iou_mmdet.environment import (EnvironmentProblem,
                                         check_environment, mmcv_ops_message,
                                         mmdet_import_message)


def test_this_environment_passes():
    check_environment()


def test_mmcv_without_ops_is_named_with_what_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, 'find_spec',
        lambda name, *a: None if name == 'mmcv._ext' else real(name, *a))
    with pytest.raises(EnvironmentProblem, match=r'no compiled ops.*mim install'):
        check_environment()


@pytest.mark.parametrize('missing', ['torch', 'mmengine', 'mmcv'])
def test_missing_package_is_named(monkeypatch, missing):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, 'find_spec',
        lambda name, *a: None if name == missing else real(name, *a))
    with pytest.raises(EnvironmentProblem, match=f'needs {missing}|needs PyTorch'):
        check_environment()


def test_messages():
    assert mmcv_ops_message('2.1.0', True) is None
    assert 'mmcv 2.2.0 has no compiled ops' in mmcv_ops_message('2.2.0', False)
    msg = mmdet_import_message(AssertionError('MMCV==2.2.0 is used'), '2.2.0')
    assert 'mmcv 2.2.0' in msg and 'mmdet 3.3.0' in msg and 'mim install' in msg


def test_mmcv_outside_mmdets_range_is_a_clear_import_error():
    """mmcv 2.2 with an unpatched mmdet 3.3: mmdet's own assertion becomes
    an ImportError that says what to install, when the package's models
    are imported (a fresh interpreter, so mmdet is imported for the first
    time)."""
    code = ('import mmcv; mmcv.__version__ = "2.2.0"\n'
            'import focal_iou_mmdet\n'
            'try:\n    import focal_iou_mmdet.models\n'
            'except ImportError as e:\n'
            '    print(type(e).__name__, e)\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith('EnvironmentProblem mmdet cannot be imported '
                                 'with mmcv 2.2.0'), out.stdout
    assert 'mim install' in out.stdout


def test_tested_versions_match_this_environment():
    from importlib.metadata import version
    for name, tested in environment.TESTED_VERSIONS.items():
        assert version(name) == tested, name
