"""An IoU-family box loss needs boxes, not box deltas.

A head that encodes its regression targets (mmdet's ``AnchorHead`` and
``BBoxHead`` families with ``reg_decoded_bbox=False``, their default)
hands its loss deltas ``(dx, dy, dw, dh)``.  An IoU-family loss then reads
them as corners with x2 < x1, trains without an error, and AP collapses
(mmdet issues 3949, 4454, 4486).  So:

* :func:`box_loss_problems` finds every head in a model config whose
  ``loss_bbox`` is an IoU-family loss (ours, or mmdet's ``IoULoss``,
  ``GIoULoss`` ...) while the head encodes its targets; ``plan`` and the
  start of training (``tools/train.py``, a sweep's snapshot) refuse such a
  config, naming the head and the fix;
* the losses themselves refuse targets that are not boxes
  (:func:`.losses.loss_args.check_target_boxes`).

A head *encodes* when its class reads ``reg_decoded_bbox`` in its loss
(the flag is honoured) and the config leaves it False; heads that always
decode (ATSS, GFL, FCOS, YOLOX, RTMDet, DINO) never read it.
"""
import functools
import inspect
from typing import Any, List

#: mmdet's IoU-family box losses (mmdet/models/losses/iou_loss.py)
MMDET_IOU_LOSSES = ('IoULoss', 'BoundedIoULoss', 'GIoULoss', 'DIoULoss',
                    'CIoULoss', 'EIoULoss', 'SIoULoss')
#: the methods in which a head may read the flag
_LOSS_METHODS = ('loss_by_feat_single', 'loss_by_feat', 'loss',
                 'get_targets')


def _registered(type_name: Any):
    from mmdet.registry import MODELS
    if not isinstance(type_name, str):
        return type_name if inspect.isclass(type_name) else None
    try:
        return MODELS.get(type_name)
    except Exception:  # noqa: BLE001  (another package's scope)
        return None


def is_iou_family(loss_type: Any) -> bool:
    """Whether a ``loss_bbox`` type is an IoU-family loss (ours or
    mmdet's)."""
    from .losses import FocalIoULoss
    name = loss_type.split('.')[-1] if isinstance(loss_type, str) else \
        getattr(loss_type, '__name__', '')
    if name in MMDET_IOU_LOSSES:
        return True
    cls = _registered(loss_type)
    return inspect.isclass(cls) and issubclass(cls, FocalIoULoss)


@functools.lru_cache(maxsize=None)
def honours_decoded_flag(head_cls) -> bool:
    """Whether the head class's loss reads ``reg_decoded_bbox``."""
    for name in _LOSS_METHODS:
        fn = getattr(head_cls, name, None)
        try:
            if fn is not None and 'reg_decoded_bbox' in inspect.getsource(fn):
                return True
        except (OSError, TypeError):
            continue
    return False


def box_loss_problems(model_cfg: Any, path: str = 'model') -> List[str]:
    """One line per head of ``model_cfg`` (a model config dict) that feeds
    an IoU-family ``loss_bbox`` with encoded deltas (module doc)."""
    out: List[str] = []
    if isinstance(model_cfg, (list, tuple)):
        for i, v in enumerate(model_cfg):
            out += box_loss_problems(v, f'{path}.{i}')
        return out
    if not isinstance(model_cfg, dict):
        return out
    loss = model_cfg.get('loss_bbox')
    if isinstance(loss, dict) and is_iou_family(loss.get('type')) and \
            not model_cfg.get('reg_decoded_bbox', False):
        head = _registered(model_cfg.get('type'))
        if head is not None and honours_decoded_flag(head):
            out.append(
                f'{path} ({model_cfg.get("type")}): loss_bbox '
                f'{loss.get("type")} is an IoU-family loss, but the head '
                'encodes its targets as deltas (reg_decoded_bbox='
                f'{model_cfg.get("reg_decoded_bbox", False)}); set '
                f'{path}.reg_decoded_bbox=True')
    for k, v in model_cfg.items():
        if isinstance(v, (dict, list, tuple)) and k != 'loss_bbox':
            out += box_loss_problems(v, f'{path}.{k}')
    return out


def check_box_losses(cfg: Any) -> None:
    """ValueError naming every such head of ``cfg`` (a config or its
    ``model``; see :func:`box_loss_problems`)."""
    model = cfg.get('model', cfg) if hasattr(cfg, 'get') else cfg
    if hasattr(model, 'to_dict'):
        model = model.to_dict()
    problems = box_loss_problems(dict(model) if isinstance(model, dict)
                                 else model)
    if problems:
        raise ValueError('; '.join(problems))


__all__ = ['MMDET_IOU_LOSSES', 'box_loss_problems', 'check_box_losses',
           'honours_decoded_flag', 'is_iou_family']
