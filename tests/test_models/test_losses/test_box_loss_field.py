"""The box-loss field of 2026 on FocalIoULoss: MPDIoU, Shape-IoU, NWD, the
Inner-IoU and Focaler-IoU modifiers, Wise-IoU v1-v3 -- each against a
reference written here box by box from the papers' equations (float64,
1e-6), gradients (gradcheck), the three Wise-IoU traps, its running mean
across 2 gloo ranks and through a checkpoint, and one CPU training step of
RetinaNet per new loss."""
import math
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from helpers import random_boxes, seeded_detector

from focal_iou_mmdet.models.losses import FocalIoULoss


def _parts(p, t):
    (px1, py1, px2, py2), (tx1, ty1, tx2, ty2) = p, t
    pw, ph, tw, th = px2 - px1, py2 - py1, tx2 - tx1, ty2 - ty1
    iw = max(0.0, min(px2, tx2) - max(px1, tx1))
    ih = max(0.0, min(py2, ty2) - max(py1, ty1))
    inter = iw * ih
    iou = inter / (pw * ph + tw * th - inter)
    dx = (tx1 + tx2 - px1 - px2) / 2
    dy = (ty1 + ty2 - py1 - py2) / 2
    cw = max(px2, tx2) - min(px1, tx1)
    ch = max(py2, ty2) - min(py1, ty1)
    return dict(pw=pw, ph=ph, tw=tw, th=th, iou=iou, dx=dx, dy=dy,
                c2=cw * cw + ch * ch)


def ref_mpdiou(p, t, size):
    w, h = size
    q = _parts(p, t)
    d1 = (p[0] - t[0])**2 + (p[1] - t[1])**2
    d2 = (p[2] - t[2])**2 + (p[3] - t[3])**2
    return q['iou'] - d1 / (w * w + h * h) - d2 / (w * w + h * h)


def ref_shapeiou(p, t, s=0.0):
    q = _parts(p, t)
    w, h = q['tw'], q['th']
    ww = 2 * w**s / (w**s + h**s)
    hh = 2 * h**s / (w**s + h**s)
    dist_ = (hh * q['dx']**2 + ww * q['dy']**2) / q['c2']
    om_w = hh * abs(q['pw'] - w) / max(q['pw'], w)
    om_h = ww * abs(q['ph'] - h) / max(q['ph'], h)
    shape = (1 - math.exp(-om_w))**4 + (1 - math.exp(-om_h))**4
    return q['iou'] - dist_ - 0.5 * shape


def ref_nwd(p, t, c=12.8):
    q = _parts(p, t)
    w2 = q['dx']**2 + q['dy']**2 + ((q['pw'] - q['tw'])**2 +
                                    (q['ph'] - q['th'])**2) / 4
    return math.exp(-math.sqrt(w2) / c)


def ref_inner_iou(p, t, r):
    def aux(b):
        cx, cy, w, h = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2, b[2] - b[0], \
            b[3] - b[1]
        return (cx - r * w / 2, cy - r * h / 2, cx + r * w / 2, cy + r * h / 2)
    return _parts(aux(p), aux(t))['iou']


def ref_diou_penalty(p, t):
    q = _parts(p, t)
    return (q['dx']**2 + q['dy']**2) / q['c2']


def _per_box(loss, pred, target):
    return loss(pred, target, reduction_override='none')


def _rows(pred, target):
    return zip(pred.tolist(), target.tolist())


@pytest.mark.parametrize('name,kwargs,ref', [
    ('mpdiou', dict(iou_variant='mpdiou', mpdiou_size=(160, 120)),
     lambda p, t: ref_mpdiou(p, t, (160, 120))),
    ('shapeiou', dict(iou_variant='shapeiou'), ref_shapeiou),
    ('shapeiou s=0.5', dict(iou_variant='shapeiou', shape_scale=0.5),
     lambda p, t: ref_shapeiou(p, t, 0.5)),
    ('nwd', dict(iou_variant='nwd'), ref_nwd),
    ('nwd C=4', dict(iou_variant='nwd', nwd_constant=4.0),
     lambda p, t: ref_nwd(p, t, 4.0)),
    ('inner-iou', dict(iou_variant='iou', inner_ratio=0.7),
     lambda p, t: ref_inner_iou(p, t, 0.7)),
    ('inner-diou r>1', dict(iou_variant='diou', inner_ratio=1.3),
     lambda p, t: ref_inner_iou(p, t, 1.3) - ref_diou_penalty(p, t)),
    ('focaler-iou', dict(iou_variant='iou', focaler_interval=(0.0, 0.95)),
     lambda p, t: min(1.0, max(0.0, _parts(p, t)['iou'] / 0.95))),
    ('focaler-diou', dict(iou_variant='diou', focaler_interval=(0.2, 0.8)),
     lambda p, t: min(1.0, max(0.0, (_parts(p, t)['iou'] - 0.2) / 0.6))
     - ref_diou_penalty(p, t)),
    ('inner-focaler-iou', dict(iou_variant='iou', inner_ratio=0.8,
                               focaler_interval=(0.1, 0.9)),
     lambda p, t: min(1.0, max(0.0, (ref_inner_iou(p, t, 0.8) - 0.1) / 0.8))),
])
def test_variants_equal_the_papers_equations(name, kwargs, ref):
    pred, target = random_boxes(80, seed=31)
    plain = FocalIoULoss(gamma=0.0, scale=1.0, eps=1e-12, **kwargs)
    got = _per_box(plain, pred, target)
    want = torch.tensor([1 - ref(p, t) for p, t in _rows(pred, target)],
                        dtype=torch.float64)
    torch.testing.assert_close(got, want, atol=1e-6, rtol=0)


def _wiou_ref(p, t, v, version, mean, alpha=1.9, delta=3.0):
    q = _parts(p, t)
    loss = math.exp((q['dx']**2 + q['dy']**2) / q['c2']) * (1 - v)
    beta = (1 - q['iou']) / mean
    if version == 2:
        loss *= beta**0.5
    if version == 3:
        loss *= beta / (delta * alpha**(beta - delta))
    return loss


@pytest.mark.parametrize('version', [1, 2, 3])
@pytest.mark.parametrize('variant', ['iou', 'ciou_focaler'])
def test_wise_iou_equals_the_papers_equations(version, variant):
    pred, target = random_boxes(60, seed=32)
    kwargs = dict(iou_variant='iou') if variant == 'iou' else dict(
        iou_variant='ciou', focaler_interval=(0.0, 0.95))
    loss = FocalIoULoss(formula='wise_iou', wiou_version=version, eps=1e-12,
                        **kwargs).eval()
    loss.wiou_mean.fill_(0.4)
    got = _per_box(loss, pred, target)
    plain_v = 1 - _per_box(FocalIoULoss(gamma=0.0, scale=1.0, eps=1e-12,
                                        **kwargs), pred, target)
    want = torch.tensor([_wiou_ref(p, t, v, version, 0.4) for (p, t), v in
                         zip(_rows(pred, target), plain_v.tolist())],
                        dtype=torch.float64)
    torch.testing.assert_close(got, want, atol=1e-6, rtol=1e-9)


@pytest.mark.parametrize('kwargs', [
    dict(iou_variant='mpdiou', mpdiou_size=(200, 200)),
    dict(iou_variant='shapeiou', shape_scale=0.5),
    dict(iou_variant='nwd'),
    # (not CIoU: its trade-off weight is detached, as in the paper)
    dict(iou_variant='diou', inner_ratio=0.75),
    dict(iou_variant='giou', focaler_interval=(0.0, 0.95)),
    dict(iou_variant='shapeiou', inner_ratio=0.8),  # Focal-Inner-Shape-IoU
])
def test_gradients(kwargs):
    loss = FocalIoULoss(reduction='sum', **kwargs).eval()
    pred, target = random_boxes(10, seed=33)
    # away from the focaler clamp's kinks
    assert torch.autograd.gradcheck(lambda p: loss(p, target),
                                    (pred.clone().requires_grad_(True), ))


def _wiou_torch_ref(p, t, version, mean, alpha=1.9, delta=3.0):
    """Wise-IoU on plain IoU in torch, written from the paper with its
    detachments (c^2 and L_IoU), for its gradient."""
    iw = (torch.min(p[:, 2], t[:, 2]) - torch.max(p[:, 0], t[:, 0])).clamp(0)
    ih = (torch.min(p[:, 3], t[:, 3]) - torch.max(p[:, 1], t[:, 1])).clamp(0)
    inter = iw * ih
    area = lambda b: (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])  # noqa: E731
    iou = inter / (area(p) + area(t) - inter)
    cx = lambda b: (b[:, 0] + b[:, 2]) / 2  # noqa: E731
    cy = lambda b: (b[:, 1] + b[:, 3]) / 2  # noqa: E731
    cw = torch.max(p[:, 2], t[:, 2]) - torch.min(p[:, 0], t[:, 0])
    ch = torch.max(p[:, 3], t[:, 3]) - torch.min(p[:, 1], t[:, 1])
    r = torch.exp(((cx(p) - cx(t))**2 + (cy(p) - cy(t))**2) /
                  (cw**2 + ch**2).detach())
    loss = r * (1 - iou)
    beta = (1 - iou).detach() / mean
    if version == 2:
        loss = loss * beta.sqrt()
    if version == 3:
        loss = loss * beta / (delta * alpha**(beta - delta))
    return loss.sum()


@pytest.mark.parametrize('version', [1, 2, 3])
def test_wise_iou_gradient_keeps_the_papers_detachments(version):
    """gradcheck cannot see detached factors; the gradient equals that of
    an independent float64 reference with the same detachments."""
    pred, target = random_boxes(30, seed=39)
    loss = FocalIoULoss(formula='wise_iou', wiou_version=version, eps=1e-12,
                        reduction='sum').eval()
    loss.wiou_mean.fill_(0.6)
    a = pred.clone().requires_grad_(True)
    loss(a, target).backward()
    b = pred.clone().requires_grad_(True)
    _wiou_torch_ref(b, target, version, 0.6).backward()
    torch.testing.assert_close(a.grad, b.grad, atol=1e-9, rtol=1e-6)


@pytest.mark.parametrize('kwargs', [
    dict(iou_variant='mpdiou', mpdiou_size=(200, 200)),
    dict(iou_variant='nwd'), dict(iou_variant='ciou', inner_ratio=0.75),
    dict(formula='wise_iou', wiou_version=3, iou_variant='shapeiou'),
])
def test_fused_equals_eager(kwargs):
    pred, target = random_boxes(33, seed=34, dtype=torch.float32)
    eager = FocalIoULoss(**kwargs).eval()
    fused = FocalIoULoss(fused=True, **kwargs).eval()
    torch.testing.assert_close(fused(pred, target), eager(pred, target),
                               rtol=1e-5, atol=1e-6)
    assert fused.fused


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_half_inputs_are_computed_in_float32(dtype):
    pred, target = random_boxes(20, seed=35)
    for kwargs in (dict(iou_variant='nwd'), dict(formula='wise_iou')):
        loss = FocalIoULoss(**kwargs).eval()
        out = loss(pred.to(dtype), target.to(dtype))
        assert out.dtype == torch.float32 and torch.isfinite(out)


@pytest.mark.parametrize('shape', [(0, 4)])
def test_empty_input_is_an_exact_zero(shape):
    loss = FocalIoULoss(formula='wise_iou').train()
    empty = torch.zeros(shape, requires_grad=True)
    assert loss(empty, empty).item() == 0
    assert loss.wiou_mean.item() == 1.0  # nothing to update from


# -- the three Wise-IoU traps ---------------------------------------------

def test_trap1_the_mean_is_over_weighted_boxes_only():
    pred, target = random_boxes(40, seed=36)
    weight = torch.zeros(40, dtype=torch.float64)
    weight[:10] = 1.0
    pred[10:] = float('nan')  # negatives: anything, weight 0
    loss = FocalIoULoss(formula='wise_iou', wiou_momentum=0.5).train()
    value = loss(pred, target, weight=weight, avg_factor=10.0)
    ious = [_parts(p, t)['iou'] for p, t in _rows(pred[:10], target[:10])]
    batch_mean = sum(1 - i for i in ious) / 10
    assert torch.isfinite(value)
    assert loss.wiou_mean.item() == pytest.approx(0.5 + 0.5 * batch_mean,
                                                  abs=1e-6)


def test_eval_mode_never_updates_the_mean():
    pred, target = random_boxes(20, seed=37)
    loss = FocalIoULoss(formula='wise_iou').eval()
    loss(pred, target)
    assert loss.wiou_mean.item() == 1.0
    loss.train()
    loss(pred, target)
    assert loss.wiou_mean.item() < 1.0


def test_trap2_the_mean_is_restored_from_a_checkpoint(tmp_path):
    from mmengine.runner.checkpoint import load_checkpoint, save_checkpoint
    pred, target = random_boxes(20, seed=38)
    trained = torch.nn.Sequential(FocalIoULoss(formula='wise_iou')).train()
    for k in range(3):
        trained[0](pred * (1 + k / 10), target)
    assert '0.wiou_mean' in trained.state_dict()
    path = str(tmp_path / 'epoch_1.pth')
    save_checkpoint(trained.state_dict(), path)
    resumed = torch.nn.Sequential(FocalIoULoss(formula='wise_iou'))
    load_checkpoint(resumed, path, map_location='cpu', strict=True)
    assert torch.equal(resumed[0].wiou_mean, trained[0].wiou_mean)
    assert resumed[0].wiou_mean.item() != 1.0


def _rank(rank, world, port, out_dir):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    pred, target = random_boxes(12 + 8 * rank, seed=100 + rank)
    weight = torch.ones(len(pred), dtype=torch.float64)
    loss = FocalIoULoss(formula='wise_iou', wiou_momentum=0.3).train()
    for step in range(4):
        if rank == 1 and step == 2:  # a rank without boxes takes part too
            loss(pred[:0], target[:0])
        else:
            loss(pred, target, weight=weight)
    torch.save(loss.wiou_mean, os.path.join(out_dir, f'{rank}.pt'))
    dist.destroy_process_group()


def test_trap3_all_ranks_hold_the_same_mean(tmp_path):
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    mp.spawn(_rank, args=(2, port, str(tmp_path)), nprocs=2, join=True)
    means = [torch.load(str(tmp_path / f'{r}.pt')) for r in (0, 1)]
    assert torch.equal(means[0], means[1]) and means[0].item() != 1.0
    # equal to one process seeing both ranks' boxes at each step
    single = FocalIoULoss(formula='wise_iou', wiou_momentum=0.3).train()
    boxes = [random_boxes(12 + 8 * r, seed=100 + r) for r in (0, 1)]
    for step in range(4):
        both = [b for r, b in enumerate(boxes) if not (r == 1 and step == 2)]
        single(torch.cat([b[0] for b in both]), torch.cat([b[1]
                                                           for b in both]))
    assert means[0].item() == pytest.approx(single.wiou_mean.item(),
                                            abs=1e-6)


@pytest.mark.parametrize('name,kwargs', [
    ('wiou-v3', dict(type='FocalIoULoss', formula='wise_iou')),
    ('focaler-iou', dict(type='PlainIoULoss', focaler_interval=(0.0, 0.95))),
    ('inner-iou', dict(type='PlainIoULoss', inner_ratio=0.75)),
    ('mpdiou', dict(type='PlainIoULoss', iou_variant='mpdiou',
                    mpdiou_size=(128, 128))),
    ('shapeiou', dict(type='PlainIoULoss', iou_variant='shapeiou')),
    ('nwd', dict(type='PlainIoULoss', iou_variant='nwd')),
    ('focal-inner-ciou', dict(type='FocalIoULoss', iou_variant='ciou',
                              inner_ratio=0.75)),
])
def test_one_cpu_training_step_of_retinanet(name, kwargs):
    from mmengine.config import Config

    from focal_iou_mmdet.runs import config_path
    cfg = Config.fromfile(config_path('retinanet_r18-c16_fpn_iou_12e_'
                                      'shapes.py'))
    cfg.model.bbox_head.loss_bbox = dict(kwargs, loss_weight=2.0)
    model, data = seeded_detector(cfg.model, 'train', 2, 128, [3, 2], 4)
    data = model.data_preprocessor(data, training=True)
    losses = model(**data, mode='loss')
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total), losses
    total.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters()
               if p.grad is not None)
