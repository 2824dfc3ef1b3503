"""Named presets of :class:`FocalIoULoss`: each is the general class with
other defaults (any argument may still be given), registered under its own
name so a config reads ``dict(type='FocalCIoULoss')``."""
import inspect

from mmdet.registry import MODELS

from .focal_iou_loss import FocalIoULoss


def _preset_init(**defaults):
    """An ``__init__`` that calls FocalIoULoss's with other defaults, and
    shows them in its signature (for API docs and the sweep's key check)."""

    def __init__(self, **kwargs) -> None:
        FocalIoULoss.__init__(self, **dict(defaults, **kwargs))

    sig = inspect.signature(FocalIoULoss.__init__)
    __init__.__signature__ = sig.replace(parameters=[
        p.replace(default=defaults.get(p.name, p.default))
        for p in sig.parameters.values()])
    return __init__


@MODELS.register_module()
class PlainIoULoss(FocalIoULoss):
    """The plain base loss ``1 - V`` of any variant (no focal factor:
    ``gamma=0``, ``scale=1``); CIoU in the seed's ungated form.  Default
    ``iou_variant='iou'``."""

    __init__ = _preset_init(gamma=0.0, scale=1.0)


@MODELS.register_module()
class FocalGIoULoss(FocalIoULoss):
    """Focal-IoU on GIoU (Rezatofighi et al., CVPR 2019,
    https://arxiv.org/abs/1902.09630), ``c = (V + 1) / 2``, ``s = 3.088``."""

    __init__ = _preset_init(iou_variant='giou')


@MODELS.register_module()
class FocalDIoULoss(FocalIoULoss):
    """Focal-DIoU as in the seed (DIoU: Zheng et al., AAAI 2020,
    https://arxiv.org/abs/1911.08287), ``c = (V + 1) / 2``, ``s = 3.088``.
    The seed's Detectron variant used ``confidence_weight=0.7``."""

    __init__ = _preset_init(iou_variant='diou')


@MODELS.register_module()
class FocalCIoULoss(FocalIoULoss):
    """Focal-CIoU as in the seed (CIoU: Zheng et al., AAAI 2020,
    https://arxiv.org/abs/1911.08287), ``c = (V + 2) / 3``, ``s = 3.3``."""

    __init__ = _preset_init(iou_variant='ciou')


@MODELS.register_module()
class FocalEIoULoss(FocalIoULoss):
    """Focal-EIoU (Zhang et al., https://arxiv.org/abs/2101.08158):
    ``IoU.detach() ** 0.5 * (1 - EIoU)``, EIoU the Efficient-IoU (not mmdet's
    ``EIoULoss``, which is Extended-IoU)."""

    __init__ = _preset_init(iou_variant='eiou', formula='focal_eiou')


@MODELS.register_module()
class AlphaIoULoss(FocalIoULoss):
    """Alpha-IoU (He et al., NeurIPS 2021, https://arxiv.org/abs/2110.13675):
    ``1 - IoU ** 3 + sum_i P_i ** 3`` over the variant's penalty terms.
    Default ``iou_variant='iou'``, ``power=3``."""

    __init__ = _preset_init(formula='alpha_iou')


__all__ = ['PlainIoULoss', 'FocalGIoULoss', 'FocalDIoULoss', 'FocalCIoULoss',
           'FocalEIoULoss', 'AlphaIoULoss']
