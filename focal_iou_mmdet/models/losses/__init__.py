from .box_iou import (IOU_VARIANTS, IoUTerms, box_iou_variant, confidence,
                      iou_terms)
from .focal_iou_loss import FORMULAS, SEED_SCALE, FocalIoULoss
from .iou_loss_presets import (AlphaIoULoss, FocalCIoULoss, FocalDIoULoss,
                               FocalEIoULoss, FocalGIoULoss, PlainIoULoss)

__all__ = [
    'IOU_VARIANTS', 'IoUTerms', 'box_iou_variant', 'confidence', 'iou_terms',
    'FORMULAS', 'SEED_SCALE', 'FocalIoULoss', 'PlainIoULoss',
    'FocalGIoULoss', 'FocalDIoULoss', 'FocalCIoULoss', 'FocalEIoULoss',
    'AlphaIoULoss'
]
