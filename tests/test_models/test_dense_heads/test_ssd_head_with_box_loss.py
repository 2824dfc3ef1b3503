"""SSDHeadWithBoxLoss: exactly mmdet's SSD loss by default; IoU losses on
decoded positive anchors only."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from focal_iou_mmdet import register_all_modules
from focal_iou_mmdet.utils import mmdet_config_path
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs

register_all_modules()

CHANNELS = (8, 16, 8, 8, 8, 8)
SIZES = (38, 19, 10, 5, 3, 1)


def head_cfg(**overrides):
    cfg = Config.fromfile(mmdet_config_path('ssd/ssd300_coco.py'))
    head = copy.deepcopy(cfg.model.bbox_head)
    head.update(in_channels=CHANNELS, num_classes=5,
                train_cfg=cfg.model.train_cfg, test_cfg=cfg.model.test_cfg)
    head.update(overrides)
    return head


def inputs(seed=0):
    torch.manual_seed(seed)
    feats = [torch.randn(2, c, s, s) for c, s in zip(CHANNELS, SIZES)]
    samples = demo_mm_inputs(batch_size=2, image_shapes=[(3, 300, 300)] * 2,
                             num_items=[4, 2], num_classes=5)['data_samples']
    for s in samples:
        s.set_metainfo(dict(batch_input_shape=(300, 300), pad_shape=(300, 300)))
    return feats, samples


def build(cfg):
    init_default_scope('mmdet')
    torch.manual_seed(1)
    return MODELS.build(cfg)


@pytest.mark.parametrize('loss_bbox', [
    None,
    dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0),
])
def test_default_is_exactly_mmdet_ssd_loss(loss_bbox):
    ours = build(head_cfg(type='SSDHeadWithBoxLoss', loss_bbox=loss_bbox))
    theirs = build(head_cfg())
    theirs.load_state_dict(ours.state_dict())
    feats, samples = inputs()
    a = ours.loss(feats, samples)
    b = theirs.loss(feats, samples)
    assert torch.equal(torch.stack(a['loss_cls']), torch.stack(b['loss_cls']))
    if loss_bbox is None:  # the default is bit-exact mmdet
        assert torch.equal(torch.stack(a['loss_bbox']),
                           torch.stack(b['loss_bbox']))
    else:  # summed over positives only: the same up to summation order
        torch.testing.assert_close(torch.stack(a['loss_bbox']),
                                   torch.stack(b['loss_bbox']), rtol=1e-6,
                                   atol=0)


def test_iou_loss_on_decoded_positive_anchors_only():
    head = build(head_cfg(type='SSDHeadWithBoxLoss', reg_decoded_bbox=True,
                          loss_bbox=dict(type='FocalIoULoss',
                                         iou_variant='ciou', loss_weight=5.0)))
    n = 50
    anchors = torch.rand(n, 2) * 200
    anchors = torch.cat([anchors, anchors + 40], -1)
    labels = torch.full((n, ), 5, dtype=torch.long)  # background
    labels[:4] = torch.tensor([0, 1, 2, 3])
    label_weights = torch.ones(n)
    targets = torch.zeros(n, 4)
    targets[:4] = anchors[:4] + torch.tensor([3., -2., 5., 1.])
    weights = torch.zeros(n, 4)
    weights[:4] = 1
    bbox_pred = torch.randn(n, 4) * 0.1
    bbox_pred[4:] = float('nan')  # garbage in every negative anchor
    bbox_pred.requires_grad_()
    cls_score = torch.randn(n, 6, requires_grad=True)
    loss_cls, loss_bbox = head.loss_by_feat_single(
        cls_score, bbox_pred, anchors, labels, label_weights, targets,
        weights, avg_factor=4)
    assert torch.isfinite(loss_cls).all() and torch.isfinite(loss_bbox)
    assert loss_bbox > 0
    (loss_cls.sum() + loss_bbox).backward()
    assert torch.isfinite(bbox_pred.grad[:4]).all()
    assert (bbox_pred.grad[:4] != 0).any()
    assert (bbox_pred.grad[4:] == 0).all()
    # the classification term is SSDHead's own (hard-negative mining)
    plain = build(head_cfg())
    expected_cls, _ = plain.loss_by_feat_single(
        cls_score, bbox_pred.detach().nan_to_num(), anchors, labels,
        label_weights, targets, weights, avg_factor=4)
    torch.testing.assert_close(loss_cls, expected_cls)


def test_full_head_with_focal_loss_trains():
    head = build(head_cfg(type='SSDHeadWithBoxLoss', reg_decoded_bbox=True,
                          loss_bbox=dict(type='FocalIoULoss', iou_variant='diou',
                                         loss_weight=5.0)))
    feats, samples = inputs(2)
    feats = [f.requires_grad_() for f in feats]
    losses = head.loss(feats, samples)
    total = sum(sum(v) for v in losses.values())
    assert torch.isfinite(total)
    total.backward()
    assert all(torch.isfinite(f.grad).all() for f in feats)


def test_predict_works_where_mmdet_ssdhead_fails():
    """mmdet 3.3.0's SSDHead cannot predict (no loss_cls: mmdet #11305)."""
    ours = build(head_cfg(type='SSDHeadWithBoxLoss'))
    theirs = build(head_cfg())
    theirs.load_state_dict(ours.state_dict())
    feats, samples = inputs()
    with torch.no_grad():
        out = ours.predict(feats, samples, rescale=False)
        assert len(out) == 2 and out[0].bboxes.shape[1] == 4
        with pytest.raises(AttributeError, match='loss_cls'):
            theirs.predict(feats, samples, rescale=False)
