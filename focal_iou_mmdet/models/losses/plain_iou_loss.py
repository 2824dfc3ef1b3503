"""The plain IoU-family loss ``1 - V``, for the baselines of every config."""
import inspect

from mmdet.registry import MODELS

from .focal_iou_loss import FocalIoULoss


@MODELS.register_module()
class PlainIoULoss(FocalIoULoss):
    """The plain base loss ``1 - V`` of any IoU variant: :class:`.FocalIoULoss`
    without its focal factor (``gamma=0``, ``scale=1``); CIoU in the
    authors' ungated form.  Default ``iou_variant='iou'``.  Any argument of
    :class:`.FocalIoULoss` may still be given."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**dict(dict(gamma=0.0, scale=1.0), **kwargs))


# the signature shows the defaults (API docs, the sweep's key check)
_sig = inspect.signature(FocalIoULoss.__init__)
PlainIoULoss.__init__.__signature__ = _sig.replace(parameters=[
    p.replace(default=dict(gamma=0.0, scale=1.0).get(p.name, p.default))
    for p in _sig.parameters.values()])

__all__ = ['PlainIoULoss']
