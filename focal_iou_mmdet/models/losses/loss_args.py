"""The arguments of :class:`.FocalIoULoss`, checked: a ValueError names the
argument and what it may be (a string, a bool, NaN or inf is never a
number here), and a custom ``iou_variant`` must behave like an IoU loss."""
import math
from typing import Optional

import torch
from mmdet.registry import MODELS
from torch import Tensor, nn

from .box_iou import IOU_VARIANTS, VARIANTS
from .box_iou_field import VariantOptions
from .unified_iou import UIOU_SCHEDULES
from .wise_iou import WIOU_VERSIONS


def real_arg(name: str, value, low: float, low_ok: bool,
          high: Optional[float] = None) -> float:
    """``value`` as a finite float in its range, or ValueError naming the
    argument (a string, a bool, NaN or inf is refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value):
        raise ValueError(f'{name} must be a finite number, got {value!r}')
    ok = (value >= low if low_ok else value > low) and (
        high is None or value < high)
    if not ok:
        where = ('>= ' if low_ok else '> ') + str(low) if high is None else \
            f'in [{low}, {high})'
        raise ValueError(f'{name} must be {where}, got {value!r}')
    return float(value)


def check_focal_args(confidence_weight, gamma, power, eps, ciou_gate,
                      loss_weight):
    """ValueError naming the argument for a value out of its range."""
    real_arg('confidence_weight', confidence_weight, 0.0, True, 1.0)
    real_arg('gamma', gamma, 0.0, True)
    real_arg('power', power, 0.0, False)
    real_arg('eps', eps, 0.0, False)
    real_arg('loss_weight', loss_weight, 0.0, True)
    if ciou_gate is not None:
        real_arg('ciou_gate', ciou_gate, 0.0, True, 1.0)


def base_variant(iou_variant, formula):
    """``(variant name, base loss module or None)``: a built-in variant,
    or ``'custom'`` with the registered IoU-style loss it names."""
    if isinstance(iou_variant, str) and iou_variant in IOU_VARIANTS:
        return iou_variant, None
    if not isinstance(iou_variant, (str, dict)):
        raise ValueError(
            f'iou_variant must be one of {IOU_VARIANTS} or a loss config '
            f'dict, got {iou_variant!r}')
    cfg = dict(type=iou_variant) if isinstance(iou_variant, str) \
        else dict(iou_variant)
    loss_type = cfg.get('type')
    if loss_type is None or (isinstance(loss_type, str)
                             and MODELS.get(loss_type) is None):
        raise ValueError(
            f'iou_variant must be one of {IOU_VARIANTS} or the config '
            f'of a registered IoU-style loss, got {iou_variant!r}')
    if formula == 'alpha_iou':
        raise ValueError(
            "formula='alpha_iou' needs a built-in iou_variant "
            f'{IOU_VARIANTS}, got {iou_variant!r}')
    base = MODELS.build(cfg)
    check_iou_style(base, iou_variant)
    return 'custom', base


def check_iou_style(loss: nn.Module, cfg) -> None:
    """An IoU-style loss is 0 for equal boxes, positive for others, and
    unchanged when both boxes are scaled alike; anything else (a
    classification loss, L1, a loss that is NaN for equal boxes) is refused
    as ``iou_variant``, with what it did."""
    a = torch.tensor([[0.0, 0.0, 10.0, 10.0], [2.0, 3.0, 9.0, 12.0]])
    b = torch.tensor([[1.0, 2.0, 12.0, 9.0], [0.0, 1.0, 8.0, 11.0]])

    def per_box(p, t):
        out = loss(p, t, reduction_override='none')
        return out.sum(-1) if out.dim() == p.dim() else out

    try:
        with torch.no_grad():
            same, diff, scaled = per_box(a, a), per_box(a, b), per_box(a * 8,
                                                                     b * 8)
    except Exception as e:  # noqa: BLE001  (it does not take two boxes)
        why = f'it fails on two boxes ({type(e).__name__}: {e})'
    else:
        why = None
        if not bool((same.abs() < 1e-3).all()):
            why = f'it gives {same.tolist()} for equal boxes, not 0'
        elif not bool((diff > 1e-3).all()):
            why = f'it gives {diff.tolist()} for different boxes'
        elif not torch.allclose(diff, scaled, rtol=1e-2, atol=1e-4):
            why = 'it changes when both boxes are scaled alike'
    if why:
        raise ValueError(
            f'iou_variant {cfg!r} is not an IoU-style loss: {why}; use one '
            f'of {IOU_VARIANTS} (e.g. ciou; ciou_gate=0.5 is mmdet\'s form) '
            'or a loss that is 0 for equal boxes')


def variant_options(variant: str, formula: str, mpdiou_size, shape_scale,
                    nwd_constant, inner_ratio, focaler_interval,
                    interp_alpha=0.99) -> VariantOptions:
    """The field's variant arguments and the IoU-term modifiers, checked
    against the variant (ValueError naming the argument)."""
    modifiers = [n for n, v in (('inner_ratio', inner_ratio),
                                ('focaler_interval', focaler_interval))
                 if v is not None]
    if modifiers and variant == 'custom':
        raise ValueError(f'{modifiers[0]} modifies the IoU term of a built-in'
                         f' iou_variant {IOU_VARIANTS}; a custom base loss '
                         'has none')
    if modifiers and modifiers[0] not in VARIANTS[variant].modifiers:
        raise ValueError(f'{modifiers[0]}: iou_variant {variant!r} has no '
                         'IoU term to modify')
    if variant == 'mpdiou':
        if mpdiou_size is None or len(mpdiou_size) != 2:
            raise ValueError("iou_variant='mpdiou' needs mpdiou_size=(W, H), "
                             f'the input image size; got {mpdiou_size!r}')
        mpdiou_size = tuple(real_arg('mpdiou_size', v, 0.0, False)
                            for v in mpdiou_size)
    if inner_ratio is not None:
        inner_ratio = real_arg('inner_ratio', inner_ratio, 0.0, False)
    if focaler_interval is not None:
        focaler_interval = _interval(focaler_interval)
    if interp_alpha != 'dynamic':
        interp_alpha = real_arg('interp_alpha', interp_alpha, 0.0, True, 1.0)
    return VariantOptions(
        mpdiou_size, real_arg('shape_scale', shape_scale, 0.0, True),
        real_arg('nwd_constant', nwd_constant, 0.0, False), inner_ratio,
        focaler_interval, interp_alpha)


def _interval(value):
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f'focaler_interval must be (d, u), got {value!r}')
    d = real_arg('focaler_interval[0]', value[0], 0.0, True)
    u = real_arg('focaler_interval[1]', value[1], 0.0, False)
    if not d < u <= 1:
        raise ValueError(f'focaler_interval (d, u) needs 0 <= d < u <= 1, '
                         f'got {tuple(value)!r}')
    return d, u


#: mmdet's loss reductions
REDUCTIONS = ('none', 'mean', 'sum')


def check_reduction(name: str, value: Optional[str], allow_none: bool):
    """ValueError naming ``name`` unless ``value`` is a reduction."""
    allowed = REDUCTIONS + ((None, ) if allow_none else ())
    if value not in allowed:
        raise ValueError(f'{name} must be one of {allowed}, got {value!r}')


def bool_arg(name: str, value) -> bool:
    """``value`` if it is a bool (True/False, as a config writes it), else
    ValueError naming the argument: ``'yes'``, ``'false'``, 1 and None are
    refused, never read as truthy."""
    if not isinstance(value, bool):
        raise ValueError(f'{name} must be True or False, got {value!r}')
    return value


def check_target_boxes(target: Tensor, keep: Optional[Tensor] = None
                       ) -> None:
    """ValueError where a target row (of those ``keep`` marks) is not a
    box (x2 < x1 or y2 < y1): the head passes encoded deltas, which an
    IoU-family loss reads as inverted boxes
    (:mod:`focal_iou_mmdet.models.box_loss_check`)."""
    if target.numel() == 0:
        return
    bad = (target[..., 2] < target[..., 0]) | (target[..., 3] <
                                                target[..., 1])
    if keep is not None:
        bad = bad & keep
    if bool(bad.any()):
        raise ValueError(
            f'{int(bad.sum())} of {bad.numel()} target rows are not boxes '
            '(x1, y1, x2, y2) with x2 >= x1 and y2 >= y1: the head passes '
            'encoded deltas; an IoU-family loss needs decoded boxes: set '
            'reg_decoded_bbox=True on the head')


def checked_inputs(pred: Tensor, target: Tensor, weight: Optional[Tensor],
                   avg_factor) -> tuple:
    """``(weight, empty)`` of a loss call, every argument checked before
    any state changes: the weight's shape (:func:`checked_weight`), and
    where some box counts, ``avg_factor`` and that the targets are boxes
    (:func:`check_target_boxes`)."""
    weight = checked_weight(pred, target, weight)
    empty = pred.numel() == 0 or (weight is not None
                                  and not torch.any(weight > 0))
    if not empty:
        check_avg_factor(avg_factor, pred.shape[0])
        check_target_boxes(target, None if weight is None else weight > 0)
    return weight, empty


def check_focal_factor(focal_factor, formula: str) -> bool:
    """Whether the focal factor applies (always for focal_iou)."""
    bool_arg('focal_factor', focal_factor)
    if focal_factor and formula in ('focal_eiou', 'alpha_iou'):
        raise ValueError(f'focal_factor=True: formula={formula!r} has its '
                         'own weighting; the focal factor goes on wise_iou, '
                         'piou_v2 or uiou')
    return bool(focal_factor) or formula == 'focal_iou'


def check_uiou_args(formula: str, variant: str, ratio, epochs, schedule):
    """UIoU's ``(ratio (start, end), epochs, schedule)``, checked."""
    if formula in ('uiou', 'piou_v2') and variant == 'custom':
        raise ValueError(f'formula={formula!r} needs a built-in iou_variant '
                         f'{IOU_VARIANTS}, not a custom base loss')
    if not isinstance(ratio, (list, tuple)) or len(ratio) != 2:
        raise ValueError(f'uiou_ratio must be (start, end), got {ratio!r}')
    start = real_arg('uiou_ratio[0]', ratio[0], 0.0, False)
    end = real_arg('uiou_ratio[1]', ratio[1], 0.0, False)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f'uiou_epochs must be an integer >= 1, got '
                         f'{epochs!r}')
    if schedule not in UIOU_SCHEDULES:
        raise ValueError(f'uiou_schedule must be one of {UIOU_SCHEDULES}, '
                         f'got {schedule!r}')
    if schedule == 'fraction' and start < end:
        raise ValueError("uiou_schedule='fraction' only decreases: "
                         f'uiou_ratio {tuple(ratio)!r} increases')
    return (start, end), epochs, schedule


def check_wiou_args(variant: str, version, alpha, delta, momentum) -> None:
    if variant == 'custom':
        raise ValueError("formula='wise_iou' needs a built-in iou_variant "
                         f'{IOU_VARIANTS} (its distance factor uses the '
                         'boxes), not a custom base loss')
    if version not in WIOU_VERSIONS:
        raise ValueError(f'wiou_version must be one of {WIOU_VERSIONS}, got '
                         f'{version!r}')
    real_arg('wiou_alpha', alpha, 0.0, False)
    real_arg('wiou_delta', delta, 0.0, False)
    real_arg('wiou_momentum', momentum, 0.0, False)
    if momentum > 1:
        raise ValueError(f'wiou_momentum must be in (0, 1], got {momentum!r}')


def checked_weight(pred: Tensor, target: Tensor,
                    weight: Optional[Tensor]) -> Optional[Tensor]:
    """The per-box weight (an (n, 4) weight averaged over its last dim);
    ValueError naming the shapes when they do not fit (a weight never
    broadcasts)."""
    if pred.shape != target.shape or pred.shape[-1:] != (4, ):
        raise ValueError('pred and target must both have shape (n, 4), '
                         f'got {tuple(pred.shape)} and '
                         f'{tuple(target.shape)}')
    if weight is None:
        return None
    if weight.shape not in (pred.shape[:-1], pred.shape):
        raise ValueError(
            f'weight must have shape {tuple(pred.shape[:-1])} or '
            f'{tuple(pred.shape)} for pred of shape {tuple(pred.shape)}, '
            f'got {tuple(weight.shape)}')
    return weight.mean(-1) if weight.shape == pred.shape else weight


def check_avg_factor(avg_factor, n: int) -> None:
    """mmdet's losses divide by ``avg_factor`` anyway (a loss of ~1e6 from
    eps at 0, NaN at NaN); here it must be > 0 once some box has weight.
    A CUDA tensor is not checked (that would wait for the GPU)."""
    if avg_factor is None or (torch.is_tensor(avg_factor) and
                              avg_factor.device.type != 'cpu'):
        return
    if not float(avg_factor) > 0:
        raise ValueError(
            'avg_factor must be > 0 (and not NaN) for a non-empty input '
            f'with weight, got {float(avg_factor)!r} ({n} boxes)')
