"""Tests of the box-IoU math and the FocalIoULoss family."""
import inspect
import math
import subprocess
import sys

import pytest
import torch
import torch._functorch.config  # noqa: F401  (patched in a test)
from helpers import ROOT, random_boxes
from mmdet.models.losses import CIoULoss, DIoULoss, GIoULoss, IoULoss, SIoULoss
from mmdet.registry import MODELS

from focal_iou_mmdet.models.losses import (IOU_VARIANTS, REFERENCE_SCALE,
                                           FocalIoULoss, PlainIoULoss,
                                           box_iou_variant)
from focal_iou_mmdet.models.losses.box_iou import CONFIDENCE_LOW
from focal_iou_mmdet.models.losses.focal_iou_loss import REFERENCE_SCALE_V0

def variant_config(variant, **kwargs):
    """The loss arguments of ``variant`` (MPDIoU needs its image size)."""
    size = dict(mpdiou_size=(128, 128)) if variant == 'mpdiou' else {}
    return dict(iou_variant=variant, **size, **kwargs)


MMDET_LOSS = {
    'iou': lambda: IoULoss(mode='linear'),
    'giou': GIoULoss,
    'diou': DIoULoss,
    'ciou': CIoULoss,
}

# --------------------------------------------------------------------------
# Independent reference: the authors' formulas, box by box, in plain Python.


def _ref_terms(p, t, eps=1e-6):
    pw, ph = max(p[2] - p[0], 0), max(p[3] - p[1], 0)
    tw, th = max(t[2] - t[0], 0), max(t[3] - t[1], 0)
    iw = max(min(p[2], t[2]) - max(p[0], t[0]), 0)
    ih = max(min(p[3], t[3]) - max(p[1], t[1]), 0)
    inter = iw * ih
    union = pw * ph + tw * th - inter
    iou = inter / (union + eps)
    cw = max(p[2], t[2]) - min(p[0], t[0])
    ch = max(p[3], t[3]) - min(p[1], t[1])
    rho2 = ((p[0] + p[2]) / 2 - (t[0] + t[2]) / 2)**2 + (
        (p[1] + p[3]) / 2 - (t[1] + t[3]) / 2)**2
    c2 = cw**2 + ch**2 + eps
    v = 4 / math.pi**2 * (math.atan(tw / (th + eps)) -
                          math.atan(pw / (ph + eps)))**2
    alpha = v / (1 - iou + v + eps)
    return dict(iou=iou, pw=pw, ph=ph, tw=tw, th=th, cw=cw, ch=ch,
                union=union, rho2=rho2, c2=c2, v=v, alpha=alpha)


def reference_loss(pred, target, mode, a=0.5, g=2.0, s=None):
    """Seed: s * (1 - a*c)^g * (1 - V), c = IoU, (DIoU+1)/2, (CIoU+2)/3."""
    out = []
    for p, t in zip(pred.tolist(), target.tolist()):
        r = _ref_terms(p, t)
        if mode == 'iou':
            val = min(max(r['iou'], 0.0), 1.0)
            c = val
        elif mode == 'diou':
            val = min(max(r['iou'] - r['rho2'] / r['c2'], -1.0), 1.0)
            c = (val + 1) / 2
        elif mode == 'ciou':
            val = r['iou'] - r['rho2'] / r['c2'] - r['alpha'] * r['v']
            val = min(max(val, -1.0), 1.0)
            c = (val + 2) / 3
        elif mode == 'giou':
            enclose = r['cw'] * r['ch']
            val = r['iou'] - (enclose - r['union']) / (enclose + 1e-6)
            c = (val + 1) / 2
        elif mode == 'eiou':
            val = (r['iou'] - r['rho2'] / r['c2'] -
                   (r['pw'] - r['tw'])**2 / (r['cw']**2 + 1e-6) -
                   (r['ph'] - r['th'])**2 / (r['ch']**2 + 1e-6))
            c = (val + 3) / 4
        scale = REFERENCE_SCALE[mode] if s is None else s
        out.append(scale * (1 - a * c)**g * (1 - val))
    return torch.tensor(out, dtype=torch.float64)


# --------------------------------------------------------------------------
# The loss reduces to its base loss, and matches mmdet's.


@pytest.mark.parametrize('mode', ['iou', 'giou', 'diou', 'ciou'])
@pytest.mark.parametrize('neutral', [dict(gamma=0.0), dict(confidence_weight=0.0)])
@pytest.mark.parametrize('case', [
    dict(),
    dict(reduction_override='sum'),
    dict(reduction_override='none'),
    dict(weight='n'),
    dict(weight='n4'),
    dict(weight='n', avg_factor=17.0),
    dict(weight='n4', avg_factor=5.0, reduction_override='none'),
])
def test_neutral_focal_equals_mmdet_loss(mode, neutral, case):
    pred, target = random_boxes(200, seed=1)
    n = pred.shape[0]
    g = torch.Generator().manual_seed(2)
    case = dict(case)
    if case.get('weight') == 'n':
        case['weight'] = torch.rand(n, generator=g, dtype=torch.float64)
    elif case.get('weight') == 'n4':
        case['weight'] = torch.rand(n, 4, generator=g, dtype=torch.float64)
    extra = dict(ciou_gate=0.5) if mode == 'ciou' else {}  # mmdet's CIoU
    ours = FocalIoULoss(iou_variant=mode, scale=1.0, loss_weight=2.0,
                        **neutral, **extra)
    theirs = MMDET_LOSS[mode]()
    theirs.loss_weight = 2.0
    p1 = pred.clone().requires_grad_()
    p2 = pred.clone().requires_grad_()
    l1 = ours(p1, target, **case)
    l2 = theirs(p2, target, **case)
    assert l1.shape == l2.shape
    torch.testing.assert_close(l1, l2, atol=1e-6, rtol=0)
    l1.sum().backward()
    l2.sum().backward()
    torch.testing.assert_close(p1.grad, p2.grad, atol=1e-6, rtol=0)


def test_ciou_gate_is_what_separates_authors_and_mmdet_ciou():
    pred, target = random_boxes(300, seed=3)
    iou = box_iou_variant(pred, target, 'iou')
    assert (iou < 0.5).any() and (iou > 0.5).any()
    mmdet_loss = CIoULoss(reduction='none')(pred, target)
    gated = PlainIoULoss(iou_variant='ciou', ciou_gate=0.5,
                         reduction='none')(pred, target)
    seed = PlainIoULoss(iou_variant='ciou', reduction='none')(pred, target)
    torch.testing.assert_close(gated, mmdet_loss, atol=1e-6, rtol=0)
    low = iou <= 0.5
    assert not torch.allclose(seed[low], mmdet_loss[low], atol=1e-4)
    torch.testing.assert_close(seed[~low], mmdet_loss[~low], atol=1e-6,
                               rtol=0)


def test_siou_matches_mmdet_paper_form():
    pred, target = random_boxes(200, seed=4)
    ours = PlainIoULoss(iou_variant='siou', reduction='none')(pred, target)
    theirs = SIoULoss(neg_gamma=True, reduction='none')(pred, target)
    torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=0)


# --------------------------------------------------------------------------
# The authors' formulas, written out independently.


@pytest.mark.parametrize('mode', ['iou', 'giou', 'diou', 'ciou', 'eiou'])
def test_focal_iou_matches_the_authors_formula(mode):
    pred, target = random_boxes(100, seed=5)
    loss = FocalIoULoss(iou_variant=mode, reduction='none')(pred, target)
    torch.testing.assert_close(loss, reference_loss(pred, target, mode),
                               atol=1e-6, rtol=0)


def test_reference_constants_and_non_overlapping_boxes():
    pred, target = random_boxes(100, seed=6, overlap=False)
    for mode, s in [('iou', 2.477), ('diou', 3.088), ('ciou', 3.3)]:
        loss = FocalIoULoss(iou_variant=mode, reduction='none')(pred, target)
        torch.testing.assert_close(
            loss, reference_loss(pred, target, mode, s=s), atol=1e-6, rtol=0)


@pytest.mark.parametrize('a,g', [(0.5, 1.0), (0.7, 2.0), (0.3, 0.5)])
def test_focal_iou_other_hyper_parameters(a, g):
    pred, target = random_boxes(50, seed=7)
    loss = FocalIoULoss(iou_variant='diou', confidence_weight=a, gamma=g, scale=1.5,
                        reduction='none')(pred, target)
    torch.testing.assert_close(
        loss, reference_loss(pred, target, 'diou', a=a, g=g, s=1.5),
        atol=1e-6, rtol=0)


def test_scale_constants_follow_the_documented_rule():
    """Seed constants = (1 - 0.5 c(V0))^-2 within 2%; ours use the rule."""
    for mode, s in REFERENCE_SCALE.items():
        low = CONFIDENCE_LOW[mode]
        c = (REFERENCE_SCALE_V0 - low) / (1 - low)
        assert abs((1 - 0.5 * c)**-2 / s - 1) < 0.02, mode
    assert REFERENCE_SCALE['giou'] == REFERENCE_SCALE['diou']
    assert REFERENCE_SCALE['siou'] == REFERENCE_SCALE['ciou']


def test_quality_and_power_modes():
    pred, target = random_boxes(60, seed=8)
    r = [_ref_terms(p, t) for p, t in zip(pred.tolist(), target.tolist())]
    q = FocalIoULoss(iou_variant='eiou', formula='focal_eiou', reduction='none')
    expected = torch.tensor([
        x['iou']**0.5 *
        (1 - x['iou'] + x['rho2'] / x['c2'] + (x['pw'] - x['tw'])**2 /
         (x['cw']**2 + 1e-6) + (x['ph'] - x['th'])**2 / (x['ch']**2 + 1e-6))
        for x in r
    ], dtype=torch.float64)
    torch.testing.assert_close(q(pred, target), expected, atol=1e-6, rtol=0)
    p = FocalIoULoss(iou_variant='diou', formula='alpha_iou', reduction='none')
    expected = torch.tensor(
        [1 - x['iou']**3 + (x['rho2'] / x['c2'])**3 for x in r],
        dtype=torch.float64)
    torch.testing.assert_close(p(pred, target), expected, atol=1e-6, rtol=0)
    a1 = FocalIoULoss(iou_variant='giou', formula='alpha_iou', power=1.0,
                      reduction='none')
    # power mode clamps every term at eps (1e-6) so that P**a is
    # differentiable at 0: power=1 is GIoU up to those clamps
    torch.testing.assert_close(
        a1(pred, target),
        GIoULoss(reduction='none')(pred, target), atol=3e-6, rtol=0)


def test_focal_factor_gradient_flows_unless_detached():
    pred, target = random_boxes(30, seed=9)
    grads = {}
    for detach in (False, True):
        p = pred.clone().requires_grad_()
        FocalIoULoss(iou_variant='ciou', detach_focal=detach)(p, target).backward()
        grads[detach] = p.grad
    assert not torch.allclose(grads[False], grads[True])


def test_custom_registered_base_loss():
    pred, target = random_boxes(40, seed=10)
    loss = FocalIoULoss(iou_variant=dict(type='BoundedIoULoss', beta=0.2),
                        gamma=0.0, reduction='none')
    base = MODELS.build(dict(type='BoundedIoULoss', beta=0.2,
                             reduction='none'))(pred, target)
    torch.testing.assert_close(loss(pred, target), base.reshape(40, -1).sum(-1))
    focal = FocalIoULoss(iou_variant='BoundedIoULoss', reduction='none')
    iou = box_iou_variant(pred, target, 'iou')
    torch.testing.assert_close(focal(pred, target),
                               (1 - 0.5 * iou)**2 * base.reshape(40, -1).sum(-1))


# --------------------------------------------------------------------------
# gradcheck in float64.  Parts the losses detach by design (CIoU's alpha, the
# quality weight, a detached focal factor) are frozen at the base point in a
# reference; gradcheck checks the reference and the module must equal it.

NO_DETACHED_PART = [(v, f) for f in ('focal_iou', 'alpha_iou')
                    for v in ('iou', 'giou', 'diou', 'eiou', 'siou')]


@pytest.mark.parametrize('iou_variant,formula', NO_DETACHED_PART)
def test_gradcheck(iou_variant, formula):
    pred, target = random_boxes(12, seed=11)
    loss = FocalIoULoss(**variant_config(iou_variant), formula=formula,
                        reduction='none')
    pred.requires_grad_()
    assert torch.autograd.gradcheck(lambda p: loss(p, target), (pred, ))


def test_gradcheck_custom_base():
    pred, target = random_boxes(12, seed=12)
    loss = FocalIoULoss(iou_variant=dict(type='GIoULoss'), reduction='none')
    pred.requires_grad_()
    assert torch.autograd.gradcheck(lambda p: loss(p, target), (pred, ))


def _frozen_ciou(p, t, alpha0, eps=1e-6):
    """CIoU variant with CIoU's alpha held at ``alpha0`` (torch, float64)."""
    pw, ph = (p[:, 2] - p[:, 0]), (p[:, 3] - p[:, 1])
    tw, th = (t[:, 2] - t[:, 0]), (t[:, 3] - t[:, 1])
    iw = (torch.min(p[:, 2], t[:, 2]) - torch.max(p[:, 0], t[:, 0])).clamp(0)
    ih = (torch.min(p[:, 3], t[:, 3]) - torch.max(p[:, 1], t[:, 1])).clamp(0)
    inter = iw * ih
    iou = inter / (pw * ph + tw * th - inter + eps)
    cw = torch.max(p[:, 2], t[:, 2]) - torch.min(p[:, 0], t[:, 0])
    ch = torch.max(p[:, 3], t[:, 3]) - torch.min(p[:, 1], t[:, 1])
    rho2 = ((p[:, 0] + p[:, 2] - t[:, 0] - t[:, 2])**2 +
            (p[:, 1] + p[:, 3] - t[:, 1] - t[:, 3])**2) / 4
    v = 4 / math.pi**2 * (torch.atan(tw / (th + eps)) -
                          torch.atan(pw / (ph + eps)))**2
    return iou, (iou - rho2 / (cw**2 + ch**2 + eps) - alpha0 * v).clamp(-1, 1)


@pytest.mark.parametrize('variant', ['seed', 'power', 'quality', 'detach'])
def test_gradcheck_with_frozen_detached_parts(variant):
    pred, target = random_boxes(12, seed=13)
    r = [_ref_terms(p, t) for p, t in zip(pred.tolist(), target.tolist())]
    alpha0 = torch.tensor([x['alpha'] for x in r], dtype=torch.float64)
    iou0, v0 = _frozen_ciou(pred, target, alpha0)

    def reference(p):
        iou, v = _frozen_ciou(p, target, alpha0)
        if variant == 'seed':
            return 3.3 * (1 - 0.5 * (v + 2) / 3)**2 * (1 - v)
        if variant == 'detach':
            return 3.3 * (1 - 0.5 * (v0 + 2) / 3)**2 * (1 - v)
        if variant == 'quality':
            return iou0**0.5 * (1 - v)
        # power: 1 - IoU^3 + (rho2/c2)^3 + (alpha0 v)^3
        _, dist_only = _frozen_ciou(p, target, torch.zeros_like(alpha0))
        _, with_v = _frozen_ciou(p, target, alpha0)
        return 1 - iou**3 + (iou - dist_only)**3 + (dist_only - with_v)**3

    kwargs = dict(seed={}, power=dict(formula='alpha_iou'),
                  quality=dict(formula='focal_eiou'),
                  detach=dict(detach_focal=True))[variant]
    loss = FocalIoULoss(iou_variant='ciou', reduction='none', **kwargs)
    p_ref = pred.clone().requires_grad_()
    assert torch.autograd.gradcheck(reference, (p_ref, ))
    p_mod = pred.clone().requires_grad_()
    out = loss(p_mod, target)
    torch.testing.assert_close(out, reference(pred), atol=1e-9, rtol=0)
    g = torch.randn(out.shape, dtype=torch.float64)
    (out * g).sum().backward()
    (reference(p_ref) * g).sum().backward()
    torch.testing.assert_close(p_mod.grad, p_ref.grad, atol=1e-9, rtol=0)


# --------------------------------------------------------------------------
# Bad input.

ALL_CONFIGS = [variant_config(m) for m in IOU_VARIANTS] + [
    variant_config(m, formula='alpha_iou') for m in IOU_VARIANTS
] + [dict(iou_variant='eiou', formula='focal_eiou'),
     dict(iou_variant=dict(type='GIoULoss'))]


@pytest.mark.parametrize('cfg', ALL_CONFIGS, ids=str)
@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
@pytest.mark.parametrize('weighted', [False, True])
def test_empty_input(cfg, reduction, weighted):
    pred = torch.zeros(0, 4, requires_grad=True)
    target = torch.zeros(0, 4)
    weight = torch.zeros(0) if weighted else None
    loss = FocalIoULoss(reduction=reduction, **cfg)(pred, target, weight)
    if reduction == 'none':
        assert loss.shape == (0, )
        loss = loss.sum()
    assert loss.item() == 0
    loss.backward()
    assert pred.grad.shape == (0, 4)


@pytest.mark.parametrize('cfg', ALL_CONFIGS, ids=str)
def test_degenerate_boxes_are_finite(cfg):
    pred = torch.tensor([
        [10., 10., 10., 30.],   # zero width
        [10., 10., 10., 10.],   # a point
        [30., 30., 10., 10.],   # inverted
        [5., 5., 25., 45.],     # identical to its target
        [0., 0., 1e5, 1e5],     # huge
        [1e5, 1e5, 1e5 + 3, 1e5 + 7],  # huge, far away
    ], requires_grad=True)
    target = torch.tensor([
        [12., 8., 20., 28.],
        [10., 10., 10., 10.],
        [8., 8., 22., 22.],
        [5., 5., 25., 45.],
        [1e3, 2e3, 9e4, 8e4],
        [0., 0., 4., 5.],
    ])
    loss = FocalIoULoss(reduction='none', **cfg)(pred, target)
    assert torch.isfinite(loss).all(), loss
    loss.sum().backward()
    assert torch.isfinite(pred.grad).all(), pred.grad
    if isinstance(cfg['iou_variant'], str) and cfg.get('formula') != 'focal_eiou':
        # identical boxes: V = 1, so the loss is (about) 0
        assert loss[3].abs() < 1e-5


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
@pytest.mark.parametrize('iou_variant', IOU_VARIANTS)
def test_half_inputs_computed_in_float32(dtype, iou_variant):
    pred, target = random_boxes(64, seed=14, dtype=torch.float32)
    pred = pred * 10  # up to ~1600: squares overflow fp16 if not upcast
    target = target * 10
    loss = FocalIoULoss(**variant_config(iou_variant))
    p = pred.to(dtype).requires_grad_()
    out = loss(p, target.to(dtype))
    assert out.dtype == torch.float32 and torch.isfinite(out)
    ref = loss(pred.to(dtype).float(), target.to(dtype).float())
    torch.testing.assert_close(out, ref)
    out.backward()
    assert p.grad.dtype == dtype and torch.isfinite(p.grad).all()


@pytest.mark.parametrize('iou_variant', IOU_VARIANTS)
@pytest.mark.parametrize('bad', [float('nan'), float('inf'), -float('inf')])
@pytest.mark.parametrize('weight_shape', ['n', 'n4'])
def test_non_finite_row_with_zero_weight_is_ignored(iou_variant, bad,
                                                    weight_shape):
    pred, target = random_boxes(10, seed=15)
    weight = torch.rand(10, dtype=torch.float64) + 0.1
    weight[3] = 0
    pred_bad, target_bad = pred.clone(), target.clone()
    pred_bad[3, 1] = bad
    target_bad[3, 2] = bad
    if weight_shape == 'n4':
        weight = weight[:, None].expand(10, 4).clone()
    loss = FocalIoULoss(**variant_config(iou_variant))
    p1 = pred_bad.clone().requires_grad_()
    l1 = loss(p1, target_bad, weight, avg_factor=9.0)
    keep = torch.arange(10) != 3
    p2 = pred[keep].clone().requires_grad_()
    l2 = loss(p2, target[keep], weight[keep], avg_factor=9.0)
    assert torch.isfinite(l1)
    torch.testing.assert_close(l1, l2)
    l1.backward()
    l2.backward()
    assert torch.isfinite(p1.grad).all()
    assert (p1.grad[3] == 0).all()
    torch.testing.assert_close(p1.grad[keep], p2.grad)


def test_all_zero_weight_returns_zero_even_with_nan():
    pred, target = random_boxes(5, seed=16)
    pred[0, 0] = float('nan')
    pred.requires_grad_()
    for w in (torch.zeros(5, dtype=torch.float64),
              torch.zeros(5, 4, dtype=torch.float64)):
        out = FocalIoULoss()(pred, target, w)
        assert out.item() == 0
        out.backward()
        assert torch.isfinite(pred.grad).all()


@pytest.mark.parametrize('kwargs,name', [
    (dict(iou_variant='xiou'), 'iou_variant'),
    (dict(iou_variant=dict(type='NoSuchLoss')), 'iou_variant'),
    (dict(iou_variant=3), 'iou_variant'),
    (dict(formula='fancy'), 'formula'),
    (dict(gamma=-1.0), 'gamma'),
    (dict(confidence_weight=1.0), 'confidence_weight'),
    (dict(confidence_weight=-0.1), 'confidence_weight'),
    (dict(reduction='avg'), 'reduction'),
    (dict(scale=0.0), 'scale'),
    (dict(power=0.0), 'power'),
    (dict(eps=0.0), 'eps'),
    (dict(ciou_gate=1.5), 'ciou_gate'),
    (dict(iou_variant='GIoULoss', formula='alpha_iou'), 'alpha_iou'),
    # hostile tries: NaN, inf, strings, bools, negative weights, and losses
    # that are not IoU losses
    (dict(gamma='2'), "gamma must be a finite number, got '2'"),
    (dict(gamma=float('nan')), 'gamma must be a finite number, got nan'),
    (dict(gamma=float('inf')), 'gamma must be a finite number'),
    (dict(scale=float('nan')), 'scale must be a finite number'),
    (dict(scale='3'), 'scale must be a finite number'),
    (dict(power=float('inf')), 'power must be a finite number'),
    (dict(eps=float('nan')), 'eps must be a finite number'),
    (dict(confidence_weight=float('nan')), 'confidence_weight must be'),
    (dict(confidence_weight=True), 'confidence_weight must be'),
    (dict(loss_weight=-1.0), 'loss_weight must be >= 0.0'),
    (dict(loss_weight=float('nan')), 'loss_weight must be a finite'),
    (dict(loss_weight='5'), 'loss_weight must be a finite'),
    (dict(iou_variant='FocalLoss'), 'is not an IoU-style loss'),
    (dict(iou_variant='CrossEntropyLoss'), 'is not an IoU-style loss'),
    (dict(iou_variant='L1Loss'), 'changes when both boxes are scaled'),
    # mmdet's CIoULoss is NaN for two equal boxes (0/0 in its alpha)
    (dict(iou_variant='CIoULoss'), r'gives \[nan, nan\] for equal boxes'),
])
def test_invalid_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        FocalIoULoss(**kwargs)


def test_invalid_forward_arguments():
    pred, target = random_boxes(4)
    loss = FocalIoULoss()
    with pytest.raises(ValueError, match='reduction_override'):
        loss(pred, target, reduction_override='avg')
    with pytest.raises(ValueError, match='shape'):
        loss(pred[:, :3], target[:, :3])
    with pytest.raises(ValueError, match='weight'):
        loss(pred, target, torch.ones(4, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match='avg_factor'):
        loss(pred, target, avg_factor=2.0, reduction_override='sum')
    for bad in (float('nan'), 0.0, -1.0, torch.tensor(float('nan'))):
        with pytest.raises(ValueError, match='avg_factor must be > 0'):
            loss(pred, target, avg_factor=bad)


@pytest.mark.parametrize('iou_style', ['GIoULoss', 'DIoULoss',
                                       'BoundedIoULoss', 'SIoULoss'])
def test_registered_iou_losses_are_accepted_as_variants(iou_style):
    loss = FocalIoULoss(iou_variant=iou_style)
    pred, target = random_boxes(6)
    assert loss.iou_variant == 'custom' and torch.isfinite(
        loss(pred, target))


# --------------------------------------------------------------------------
# The registry.

REGISTERED = ['FocalIoULoss', 'PlainIoULoss']


def test_build_from_registry_after_custom_imports_alone():
    code = f"""
import torch
from mmengine.config import Config
from mmengine.utils import import_modules_from_strings
from mmdet.registry import MODELS
cfg = Config(dict(custom_imports=dict(imports=['focal_iou_mmdet.models'],
                                      allow_failed_imports=False)))
import_modules_from_strings(**cfg['custom_imports'])
for name in {REGISTERED!r}:
    m = MODELS.build(dict(type=name))
    p = torch.tensor([[0., 0., 10., 10.]]); t = torch.tensor([[1., 1., 11., 12.]])
    assert torch.isfinite(m(p, t)), name
m = MODELS.build(dict(type='FocalIoULoss', iou_variant='ciou', loss_weight=5.0))
print(type(m).__name__, m.iou_variant, m.scale)
"""
    out = subprocess.run([sys.executable, '-c', code], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert 'FocalIoULoss ciou 3.3' in out.stdout


def test_our_names_do_not_shadow_mmdet():
    import mmdet.models.losses as mmdet_losses
    for name in REGISTERED:
        assert not hasattr(mmdet_losses, name)
        assert MODELS.get(name).__module__.startswith('focal_iou_mmdet')


def test_plain_iou_loss_is_the_focal_loss_without_its_factor():
    plain = MODELS.build(dict(type='PlainIoULoss', iou_variant='diou'))
    assert (plain.gamma, plain.scale) == (0.0, 1.0)
    assert MODELS.build(dict(type='PlainIoULoss', gamma=1.0)).gamma == 1.0
    params = inspect.signature(PlainIoULoss.__init__).parameters
    assert (params['gamma'].default, params['scale'].default) == (0.0, 1.0)
    pred, target = random_boxes(20, seed=21)
    torch.testing.assert_close(
        plain(pred, target, reduction_override='none'),
        1 - box_iou_variant(pred, target, 'diou'))


@pytest.mark.parametrize('old', [dict(iou_mode='ciou'), dict(mode='seed'),
                                 dict(alpha=0.3), dict(alpha_power=2.0)])
def test_unreleased_old_spellings_are_gone(old):
    with pytest.raises(TypeError, match='unexpected keyword'):
        FocalIoULoss(**old)


# --------------------------------------------------------------------------
# fused=True: the same loss through torch.compile


@pytest.mark.parametrize('cfg', [
    dict(iou_variant='iou'), dict(iou_variant='ciou'), dict(iou_variant='siou'),
    dict(iou_variant='eiou', formula='focal_eiou'),
    dict(iou_variant='giou', formula='alpha_iou'),
    dict(iou_variant='diou', gamma=0.0, scale=1.0),
])
def test_fused_equals_eager(cfg):
    eager, fused = FocalIoULoss(**cfg), FocalIoULoss(fused=True, **cfg)
    for n in (37, 5):  # dynamic shapes: no recompile needed
        pred, target = random_boxes(n, seed=n, dtype=torch.float32)
        weight = torch.rand(n, 4)
        weight[0] = 0
        pred[0] = float('nan')  # ignored row
        outs = []
        for loss in (eager, fused):
            p = pred.clone().requires_grad_(True)
            value = loss(p, target, weight=weight, avg_factor=7.0)
            value.backward()
            outs.append((value.detach(), p.grad))
        torch.testing.assert_close(outs[1][0], outs[0][0], rtol=1e-5,
                                   atol=1e-6)
        torch.testing.assert_close(outs[1][1], outs[0][1], rtol=1e-4,
                                   atol=1e-6)
        assert fused.fused  # compiled, not fallen back
    empty = torch.zeros(0, 4, requires_grad=True)
    assert fused(empty, empty).item() == 0


@pytest.mark.parametrize('iou_variant', ['iou', 'diou'])
def test_fused_gradcheck(iou_variant):
    loss = FocalIoULoss(iou_variant=iou_variant, fused=True, reduction='sum')
    pred, target = random_boxes(8, seed=3)
    # gradcheck keeps the graph; compiled graphs then must not donate
    with torch._functorch.config.patch(donated_buffer=False):
        assert torch.autograd.gradcheck(lambda p: loss(p, target),
                                        (pred.requires_grad_(True), ))
    assert loss.fused


def test_fused_falls_back_to_eager_when_compiling_fails(monkeypatch):
    def broken_compile(fn, **kwargs):
        def run(*args):
            raise RuntimeError('no C++ compiler')
        return run
    monkeypatch.setattr(torch, 'compile', broken_compile)
    loss = FocalIoULoss(iou_variant='ciou', fused=True)
    pred, target = random_boxes(6)
    with pytest.warns(UserWarning, match='no C.. compiler.*eager'):
        value = loss(pred, target)
    assert not loss.fused
    torch.testing.assert_close(value, FocalIoULoss(iou_variant='ciou')(pred,
                                                                     target))


# --------------------------------------------------------------------------
# Wise-IoU's running mean never takes a non-finite row, and a checkpoint
# holding a non-finite mean is refused.


@pytest.mark.parametrize('bad', [float('nan'), float('inf')])
@pytest.mark.parametrize('where', ['pred', 'target'])
def test_a_non_finite_row_never_enters_the_wise_iou_mean(bad, where):
    loss = FocalIoULoss(formula='wise_iou').train()
    pred, target = random_boxes(6)
    (pred if where == 'pred' else target)[2, 3] = bad
    loss(pred, target, weight=torch.ones(6))
    clean = FocalIoULoss(formula='wise_iou').train()
    keep = torch.arange(6) != 2
    clean(pred[keep], target[keep])
    assert torch.isfinite(loss.wiou_mean)
    assert loss.wiou_mean.item() == pytest.approx(clean.wiou_mean.item())
    # every later batch is finite
    p2, t2 = random_boxes(5, seed=1)
    assert torch.isfinite(loss(p2, t2))


@pytest.mark.parametrize('mean', [float('nan'), float('inf'), 0.0, -1.0])
def test_a_checkpoint_with_a_bad_wise_iou_mean_is_refused(mean):
    loss = FocalIoULoss(formula='wise_iou')
    state = loss.state_dict()
    state['wiou_mean'] = torch.tensor(mean)
    with pytest.raises(RuntimeError, match='wiou_mean is .*a Wise-IoU '
                       'running mean must be a finite number > 0'):
        loss.load_state_dict(state)
    assert loss.wiou_mean.item() == 1.0  # unchanged
    state['wiou_mean'] = torch.tensor(0.7)
    loss.load_state_dict(state)
    assert loss.wiou_mean.item() == pytest.approx(0.7)


@pytest.mark.parametrize('name, value', [
    ('focal_factor', 'yes'), ('focal_factor', 'false'), ('focal_factor', 1),
    ('focal_factor', None), ('detach_focal', 'no'), ('fused', 1),
    ('fused', 'True')])
def test_flags_are_bools_not_truthy_values(name, value):
    kwargs = dict(formula='wise_iou') if name == 'focal_factor' else {}
    with pytest.raises(ValueError, match=f'{name} must be True or False, '
                       f'got {value!r}'):
        FocalIoULoss(**kwargs, **{name: value})
