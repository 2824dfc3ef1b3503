"""Registration by import, without an import hook: the four ways the old
one-shot ``sys.meta_path`` hook lost the registry, each in a fresh
interpreter, and a failure that names its cause and is retried."""
import subprocess
import sys

import pytest
from helpers import ROOT

REGISTERED = "from mmdet.registry import MODELS\n" \
    "assert MODELS.get('FocalIoULoss') is not None, 'not registered'\n" \
    "assert MODELS.get('SSDHeadWithBoxLoss') is not None\n" \
    "print('registered')\n"

CASES = {
    # mmengine's new-style config parsing asks find_spec('mmdet'); the old
    # hook was used up by it and never registered anything
    'find_spec_before_import': (
        "import importlib.util, sys\n"
        "hooks = list(sys.meta_path)\n"
        "import focal_iou_mmdet\n"
        "assert sys.meta_path == hooks, 'the import added a hook'\n"
        "assert 'torch' not in sys.modules and 'mmdet' not in sys.modules\n"
        "importlib.util.find_spec('mmdet')\n"
        "from mmengine.config import Config\n"
        "from mmengine.utils import import_modules_from_strings\n"
        "cfg = Config(dict(custom_imports=dict(imports=["
        "'focal_iou_mmdet.models', 'focal_iou_mmdet.engine'], "
        "allow_failed_imports=False)))\n"
        "import_modules_from_strings(**cfg['custom_imports'])\n"),
    # a failed first try is retried (nothing is marked done before it is)
    'failure_then_retry': (
        "import focal_iou_mmdet\n"
        "from focal_iou_mmdet import environment\n"
        "real = environment.check_environment\n"
        "def broken():\n"
        "    raise environment.EnvironmentProblem('mmcv has no ops (test)')\n"
        "environment.check_environment = broken\n"
        "try:\n"
        "    focal_iou_mmdet.register_all_modules()\n"
        "except focal_iou_mmdet.RegistrationError as e:\n"
        "    assert 'mmcv has no ops (test)' in str(e), e\n"
        "    assert isinstance(e.__cause__, ImportError), e.__cause__\n"
        "    print('failed with its cause')\n"
        "else:\n"
        "    raise SystemExit('no error')\n"
        "environment.check_environment = real\n"
        "focal_iou_mmdet.register_all_modules()\n"),
    # reloading the package leaves no second hook (it leaves none at all)
    'reload': (
        "import importlib, sys\n"
        "hooks = list(sys.meta_path)\n"
        "import focal_iou_mmdet\n"
        "importlib.reload(focal_iou_mmdet)\n"
        "importlib.reload(focal_iou_mmdet)\n"
        "assert sys.meta_path == hooks\n"
        "focal_iou_mmdet.register_all_modules()\n"),
    # another import hook ahead of everything changes nothing
    'foreign_hook_first': (
        "import importlib.abc, sys\n"
        "class Watcher(importlib.abc.MetaPathFinder):\n"
        "    seen = []\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        self.seen.append(name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Watcher())\n"
        "import focal_iou_mmdet.models, focal_iou_mmdet.engine\n"
        "assert 'mmdet' in Watcher.seen\n"),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_registration_survives(case):
    out = subprocess.run([sys.executable, '-c', CASES[case] + REGISTERED],
                         cwd=ROOT, capture_output=True, text=True,
                         timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    assert out.stdout.strip().endswith('registered'), out.stdout
    if case == 'failure_then_retry':
        assert 'failed with its cause' in out.stdout


def test_the_configs_import_exactly_the_registering_modules():
    """Every shipped config that sets custom_imports names the modules
    whose import registers the package (and nothing else)."""
    import ast
    import glob
    import os
    import re

    from focal_iou_mmdet.registration import REGISTERING_MODULES
    found = 0
    for path in glob.glob(os.path.join(ROOT, 'configs', '**', '*.py'),
                          recursive=True):
        text = open(path).read()
        m = re.search(r'custom_imports = dict\(\s*imports=(\[[^\]]*\])',
                      text)
        if m:
            found += 1
            assert ast.literal_eval(m.group(1)) == list(
                REGISTERING_MODULES), path
    assert found >= 10
