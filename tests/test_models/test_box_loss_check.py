"""An IoU-family loss gets boxes, never deltas: the config check (plan,
the start of training) and the losses' own check of their targets."""
import subprocess
import sys

import pytest
import torch
from helpers import ROOT, SHAPES_RETINANET, random_boxes, subprocess_env
from helpers.sweep_specs import cpu_spec
from mmengine.config import Config

from focal_iou_mmdet import register_all_modules
from focal_iou_mmdet.models.box_loss_check import (box_loss_problems,
                                                   check_box_losses,
                                                   honours_decoded_flag)
from focal_iou_mmdet.models.losses import FocalIoULoss, PlainIoULoss
from focal_iou_mmdet.runs.config_lookup import config_path
from focal_iou_mmdet.sweep.__main__ import main as sweep_main

register_all_modules()


def _head(head_type, loss_type, **head):
    return dict(type='RetinaNet', bbox_head=dict(
        type=head_type, loss_bbox=dict(type=loss_type), **head))


@pytest.mark.parametrize('head, loss, flag, bad', [
    ('RetinaHead', 'FocalIoULoss', None, True),       # the default: deltas
    ('RetinaHead', 'FocalIoULoss', False, True),
    ('RetinaHead', 'FocalIoULoss', True, False),
    ('RetinaHead', 'PlainIoULoss', False, True),
    ('RetinaHead', 'GIoULoss', False, True),           # mmdet's losses too
    ('RetinaHead', 'mmdet.CIoULoss', None, True),
    ('SSDHead', 'DIoULoss', False, True),
    ('SSDHeadWithBoxLoss', 'FocalIoULoss', False, True),
    ('RPNHead', 'IoULoss', None, True),
    ('RetinaHead', 'L1Loss', False, False),            # not IoU-family
    ('RetinaHead', 'SmoothL1Loss', None, False),
    ('ATSSHead', 'GIoULoss', None, False),             # always decodes
    ('GFLHead', 'GIoULoss', None, False),
    ('FCOSHead', 'FocalIoULoss', None, False),
    ('RTMDetHead', 'GIoULoss', None, False),
])
def test_heads_that_feed_an_iou_loss_deltas_are_named(head, loss, flag,
                                                       bad):
    extra = {} if flag is None else dict(reg_decoded_bbox=flag)
    problems = box_loss_problems(_head(head, loss, **extra))
    assert bool(problems) == bad, problems
    if bad:
        assert problems[0].startswith(f'model.bbox_head ({head}): loss_bbox '
                                      f'{loss} is an IoU-family loss')
        assert problems[0].endswith('set model.bbox_head.reg_decoded_bbox='
                                    'True')


def test_the_roi_head_of_faster_rcnn_is_found():
    cfg = Config.fromfile(config_path('faster-rcnn_r50_fpn_focal-iou_1x_'
                                      'coco.py'))
    assert box_loss_problems(cfg.model) == []
    cfg.model.roi_head.bbox_head.reg_decoded_bbox = False
    [problem] = box_loss_problems(cfg.to_dict()['model'])
    assert problem.startswith('model.roi_head.bbox_head (Shared2FCBBoxHead)')
    with pytest.raises(ValueError, match='roi_head.bbox_head'):
        check_box_losses(cfg)


def test_honoured_flag_is_read_from_the_heads_loss():
    from mmdet.models.dense_heads import ATSSHead, RetinaHead
    assert honours_decoded_flag(RetinaHead)
    assert not honours_decoded_flag(ATSSHead)


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_the_loss_refuses_targets_that_are_not_boxes(dtype):
    pred, target = random_boxes(8, dtype=dtype)
    deltas = target.clone()
    deltas[3] = torch.tensor([0.1, -0.2, -0.05, -0.3], dtype=dtype)
    for loss in (FocalIoULoss(), PlainIoULoss()):
        with pytest.raises(ValueError, match='1 of 8 target rows are not '
                           'boxes.*reg_decoded_bbox=True'):
            loss(pred, deltas)
        # a row that does not count is not checked
        weight = torch.ones(8, dtype=dtype)
        weight[3] = 0
        assert torch.isfinite(loss(pred, deltas, weight))
        # zero-width boxes are boxes; no rows, no check
        flat = target.clone()
        flat[:, 2] = flat[:, 0]
        assert torch.isfinite(loss(pred, flat))
        empty = torch.zeros((0, 4), dtype=dtype)
        assert loss(empty, empty) == 0


def test_plan_refuses_a_head_that_encodes(tmp_path, capsys):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou']}, exclude=[],
                    configs={'retinanet': SHAPES_RETINANET},
                    options={'box_head.reg_decoded_bbox': False})
    assert sweep_main(['plan', spec.path]) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1
    assert "run 'retinanet_iou': model.bbox_head (RetinaHead): loss_bbox " \
        'PlainIoULoss is an IoU-family loss' in err
    assert 'set model.bbox_head.reg_decoded_bbox=True' in err


def test_the_train_tool_refuses_it_before_building(tmp_path):
    cfg = tmp_path / 'mine.py'
    cfg.write_text(f"_base_ = [{config_path(SHAPES_RETINANET.format(loss='focal-iou'))!r}]\n"
                   'model = dict(bbox_head=dict(reg_decoded_bbox=False))\n')
    out = subprocess.run([sys.executable, f'{ROOT}/tools/train.py', str(cfg),
                          '--work-dir', str(tmp_path / 'wd')],
                         capture_output=True, text=True, timeout=300,
                         env=subprocess_env())
    assert out.returncode == 1, out.stdout + out.stderr
    assert 'error: model.bbox_head (RetinaHead): loss_bbox FocalIoULoss' in \
        out.stderr
    assert not (tmp_path / 'wd').exists()
