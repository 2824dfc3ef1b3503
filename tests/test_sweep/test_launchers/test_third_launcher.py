"""The third-launcher example of docs/development.md is real: this page
shows the file as it is, and a sweep trains with it."""
import importlib.util
import os
import re

import pytest
from helpers import ROOT, SHAPES_RETINANET, write_spec

from focal_iou_mmdet.runs import TINY_RUN_OPTIONS as TINY
from focal_iou_mmdet.sweep import load_spec
from focal_iou_mmdet.sweep import launchers as launchers_module
from focal_iou_mmdet.sweep.observe.state import SweepState
from focal_iou_mmdet.sweep.plan import plan

EXAMPLE = os.path.join(ROOT, 'docs', 'examples', 'inline_launcher.py')


def _example():
    spec = importlib.util.spec_from_file_location('inline_launcher', EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_page_shows_the_example_as_it_is():
    page = open(os.path.join(ROOT, 'docs', 'development.md')).read()
    blocks = re.findall(r'```python\n(.*?)```', page, re.S)
    assert open(EXAMPLE).read() in blocks


@pytest.mark.slow
def test_a_sweep_trains_with_the_example_launcher(tmp_path, tiny_shapes,
                                                   monkeypatch):
    launcher_cls = _example().InlineLauncher
    monkeypatch.setitem(launchers_module.LAUNCHERS, 'inline', launcher_cls)
    monkeypatch.setenv('SHAPES_ROOT', tiny_shapes)
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    spec = load_spec(write_spec(
        tmp_path / 'inline.yaml', name='inline', work_dir=str(tmp_path / 'wd'),
        configs={'retinanet': SHAPES_RETINANET}, axes={'loss': ['iou']},
        options=dict(TINY, epochs=1)))
    runs = plan(spec)
    sweep = SweepState(spec, runs)
    assert launcher_cls().launch(sweep) == 0
    assert sweep.counts()['done'] == 1
    status = spec.run_dir(runs[0].id).read_status()
    assert status.launcher == 'inline' and status.attempts == 1
