"""``tools/compare_losses.py`` reads the loss from a config's name, for
every IoU variant the package declares."""
import importlib.util
import os

import pytest
from helpers import ROOT

from focal_iou_mmdet.models.losses import IOU_VARIANTS


def _tool():
    path = os.path.join(ROOT, 'tools', 'compare_losses.py')
    spec = importlib.util.spec_from_file_location('compare_losses', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('variant', IOU_VARIANTS)
@pytest.mark.parametrize('focal', ['', 'focal-'])
def test_every_variant_is_read_from_the_name(variant, focal):
    tool = _tool()
    name = f'cfgs/retinanet_r18-c16_fpn_{focal}{variant}_12e_shapes.py'
    assert tool.loss_and_template(name) == (
        focal + variant, 'cfgs/retinanet_r18-c16_fpn_{loss}_12e_shapes.py')


def test_a_name_without_a_loss_is_the_baseline():
    assert _tool().loss_and_template(
        'retinanet_r18-c16_fpn_12e_shapes.py') == ('baseline', None)
