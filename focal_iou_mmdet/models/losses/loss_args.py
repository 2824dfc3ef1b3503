"""The arguments of :class:`.FocalIoULoss`, checked: a ValueError names the
argument and what it may be (a string, a bool, NaN or inf is never a
number here), and a custom ``iou_variant`` must behave like an IoU loss."""
import math
from typing import Optional

import torch
from mmdet.registry import MODELS
from torch import nn

from .box_iou import IOU_VARIANTS


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
