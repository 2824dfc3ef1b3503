from .box_iou import (IOU_VARIANTS, IoUTerms, box_iou_variant, confidence,
                      iou_terms)
from .focal_iou_loss import FORMULAS, REFERENCE_SCALE, FocalIoULoss
from .plain_iou_loss import PlainIoULoss

__all__ = [
    'IOU_VARIANTS', 'IoUTerms', 'box_iou_variant', 'confidence', 'iou_terms',
    'FORMULAS', 'REFERENCE_SCALE', 'FocalIoULoss', 'PlainIoULoss'
]
