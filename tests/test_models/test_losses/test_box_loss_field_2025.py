"""The box-loss field of 2024-2025 -- PIoU v1/v2, Focal-PIoU, InterpIoU
(fixed and dynamic) and Unified-IoU -- against references written here
from the papers' formulas (float64, plain Python per box), and their
guarantees: bounded as documented, finite gradients where the boxes do not
overlap, fp16/bf16, empty input, loss_weight and avg_factor."""
import math
from types import SimpleNamespace

import pytest
import torch
from helpers import random_boxes

from focal_iou_mmdet.engine.hooks import UIoUEpochHook
from focal_iou_mmdet.models.losses import FocalIoULoss, PlainIoULoss
from focal_iou_mmdet.models.losses.unified_iou import uiou_ratio


def _iou(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])
    return inter / (union - inter)


def _gap(p, t):
    wg, hg = t[2] - t[0], t[3] - t[1]
    return ((abs(p[0] - t[0]) + abs(p[2] - t[2])) / wg +
            (abs(p[1] - t[1]) + abs(p[3] - t[3])) / hg) / 4


def piou_v1(p, t):
    return 1 - _iou(p, t) + 1 - math.exp(-_gap(p, t) ** 2)


def piou_v2(p, t, lam=1.3):
    x = lam * math.exp(-_gap(p, t))
    return 3 * x * math.exp(-x * x) * piou_v1(p, t)


def interp_v(p, t, alpha):
    if alpha == 'dynamic':
        alpha = min(max(1 - _iou(p, t), 0.6), 0.99)
    b = [(1 - alpha) * pi + alpha * ti for pi, ti in zip(p, t)]
    return _iou(p, t) + _iou(b, t) - 1


def ciou_v(p, t):
    iou = _iou(p, t)
    cw = max(p[2], t[2]) - min(p[0], t[0])
    ch = max(p[3], t[3]) - min(p[1], t[1])
    rho2 = ((p[0] + p[2] - t[0] - t[2]) ** 2 +
            (p[1] + p[3] - t[1] - t[3]) ** 2) / 4
    v = 4 / math.pi ** 2 * (math.atan((t[2] - t[0]) / (t[3] - t[1])) -
                            math.atan((p[2] - p[0]) / (p[3] - p[1]))) ** 2
    alpha = v / (1 - iou + v) if v > 0 else 0.0
    return max(-1.0, min(1.0, iou - rho2 / (cw * cw + ch * ch) - alpha * v))


def scaled(b, r):
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    w, h = (b[2] - b[0]) * r / 2, (b[3] - b[1]) * r / 2
    return [cx - w, cy - h, cx + w, cy + h]


def _per_box(loss, pred, target):
    return loss(pred, target, reduction_override='none')


BOXES = [random_boxes(64, seed=s, overlap=o) for s, o in
         ((0, True), (1, False))]


@pytest.mark.parametrize('pred,target', BOXES)
def test_piou_v1_v2_and_focal_piou_are_the_papers(pred, target):
    rows = list(zip(pred.tolist(), target.tolist()))
    v1 = _per_box(PlainIoULoss(iou_variant='piou', eps=1e-12), pred, target)
    v2 = _per_box(PlainIoULoss(iou_variant='piou', formula='piou_v2',
                               eps=1e-12), pred, target)
    focal = _per_box(FocalIoULoss(iou_variant='piou', eps=1e-12), pred,
                     target)
    assert v1.tolist() == pytest.approx([piou_v1(p, t) for p, t in rows],
                                        abs=1e-9)
    assert v2.tolist() == pytest.approx([piou_v2(p, t) for p, t in rows],
                                        abs=1e-9)
    c = [(1 - piou_v1(p, t) + 1) / 2 for p, t in rows]  # V = 1 - L_v1
    assert focal.tolist() == pytest.approx(
        [3.088 * (1 - 0.5 * ci) ** 2 * piou_v1(p, t)
         for ci, (p, t) in zip(c, rows)], abs=1e-9)
    # bounded as documented: v1 in [0, 2], v2 in [0, 2 * 3 / sqrt(2e)]
    assert v1.min() >= 0 and v1.max() <= 2
    assert v2.min() >= 0 and v2.max() <= 2 * 3 / math.sqrt(2 * math.e)


@pytest.mark.parametrize('alpha', [0.99, 0.5, 'dynamic'])
@pytest.mark.parametrize('pred,target', BOXES)
def test_interpiou_is_the_papers(pred, target, alpha):
    rows = list(zip(pred.tolist(), target.tolist()))
    loss = _per_box(PlainIoULoss(iou_variant='interpiou', interp_alpha=alpha,
                                 eps=1e-12), pred, target)
    assert loss.tolist() == pytest.approx(
        [1 - interp_v(p, t, alpha) for p, t in rows], abs=1e-9)
    assert loss.min() >= 0 and loss.max() <= 2


@pytest.mark.parametrize('epoch', [0, 4, 11, 40])
def test_uiou_is_ciou_of_the_scaled_boxes(epoch):
    pred, target = BOXES[0]
    loss = PlainIoULoss(iou_variant='ciou', formula='uiou', uiou_epochs=12,
                        eps=1e-12)
    loss.set_epoch(epoch)
    r = uiou_ratio(epoch, 2.0, 0.5, 12)
    got = _per_box(loss, pred, target)
    assert got.tolist() == pytest.approx(
        [1 - ciou_v(scaled(p, r), scaled(t, r))
         for p, t in zip(pred.tolist(), target.tolist())], abs=1e-9)


@pytest.mark.parametrize('schedule, values', [
    ('linear', {0: 2.0, 150: 1.25, 300: 0.5, 400: 0.5}),   # -0.005 e + 2
    ('cosine', {0: 2.0, 150: 1.25, 300: 0.5}),    # 0.75 cos(pi e/300) + 1.25
    ('fraction', {0: 2.0, 100: 1.0, 300: 0.5}),   # 200 / (e + 100)
])
def test_the_uiou_schedules_are_the_authors(schedule, values):
    for e, r in values.items():
        assert uiou_ratio(e, 2.0, 0.5, 300, schedule) == pytest.approx(r)


def test_uiou_needs_the_epoch_and_the_hook_gives_it():
    pred, target = BOXES[0]
    loss = PlainIoULoss(iou_variant='ciou', formula='uiou', uiou_epochs=12)
    model = torch.nn.Sequential(torch.nn.Linear(1, 1), loss).train()
    with pytest.raises(RuntimeError, match='UIoUEpochHook'):
        loss(pred, target)
    # what mmengine's runner hands the hook; on --resume runner.epoch is
    # the restored one, so the schedule continues from there
    UIoUEpochHook().before_train_epoch(SimpleNamespace(model=model, epoch=7))
    assert loss.epoch == 7
    assert loss.uiou_ratio() == pytest.approx(2.0 - 1.5 * 7 / 12)
    assert torch.isfinite(loss(pred, target))


LOSSES = {
    'piou': dict(type=PlainIoULoss, iou_variant='piou'),
    'piou_v2': dict(type=PlainIoULoss, iou_variant='piou',
                    formula='piou_v2'),
    'focal-piou': dict(type=FocalIoULoss, iou_variant='piou'),
    'interpiou': dict(type=PlainIoULoss, iou_variant='interpiou'),
    'd-interpiou': dict(type=PlainIoULoss, iou_variant='interpiou',
                        interp_alpha='dynamic'),
    'uiou': dict(type=PlainIoULoss, iou_variant='ciou', formula='uiou'),
    'focal-wiou': dict(type=FocalIoULoss, formula='wise_iou',
                       focal_factor=True),
    'focal-piou_v2': dict(type=FocalIoULoss, iou_variant='piou',
                          formula='piou_v2', focal_factor=True),
}


def _build(name):
    cfg = dict(LOSSES[name])
    loss = cfg.pop('type')(**cfg)
    loss.set_epoch(3)
    return loss


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_gradients_are_finite_where_boxes_do_not_overlap(name):
    pred, target = random_boxes(32, seed=5, overlap=False)
    pred = pred.clone().requires_grad_(True)
    loss = _build(name).train()(pred, target)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(pred.grad).all()
    if name != 'uiou':  # (UIoU's enlarged boxes may overlap: still fine)
        assert pred.grad.abs().sum() > 0


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
@pytest.mark.parametrize('name', sorted(LOSSES))
def test_half_precision_inputs(name, dtype):
    pred, target = (b.to(dtype) for b in random_boxes(16, seed=2))
    half = _build(name)(pred, target)
    # computed in float32 from the same (rounded) coordinates
    full = _build(name)(pred.float(), target.float())
    assert half.dtype == torch.float32
    assert half.item() == pytest.approx(full.item(), rel=1e-6)


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_empty_input_and_zero_weights(name):
    empty = torch.zeros((0, 4), requires_grad=True)
    out = _build(name)(empty, empty.detach())
    out.backward()
    assert out.item() == 0 and empty.grad.shape == (0, 4)
    pred, target = random_boxes(4, dtype=torch.float32)
    assert _build(name)(pred, target, torch.zeros(4)).item() == 0


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_loss_weight_and_avg_factor(name):
    pred, target = random_boxes(8, seed=3, dtype=torch.float64)
    cfg = dict(LOSSES[name])
    cls = cfg.pop('type')
    weighted = cls(loss_weight=2.5, **cfg)
    weighted.set_epoch(3)
    per_box = _build(name)(pred, target, reduction_override='none')
    assert weighted(pred, target, avg_factor=4.0).item() == pytest.approx(
        2.5 * per_box.sum().item() / 4.0)


@pytest.mark.parametrize('kwargs, message', [
    (dict(iou_variant='interpiou', interp_alpha=1.0), 'interp_alpha'),
    (dict(iou_variant='interpiou', interp_alpha='fixed'), 'interp_alpha'),
    (dict(formula='piou_v2', piou_lambda=0), 'piou_lambda'),
    (dict(formula='uiou', uiou_ratio=(2.0,)), 'uiou_ratio'),
    (dict(formula='uiou', uiou_epochs=0), 'uiou_epochs'),
    (dict(formula='uiou', uiou_schedule='step'), 'uiou_schedule'),
    (dict(formula='uiou', uiou_ratio=(0.5, 2.0), uiou_schedule='fraction'),
     'only decreases'),
    (dict(formula='alpha_iou', focal_factor=True), 'focal_factor'),
])
def test_bad_arguments_name_themselves(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FocalIoULoss(**kwargs)
