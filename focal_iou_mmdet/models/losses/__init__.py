from .box_iou import (IOU_MODES, IoUTerms, box_iou_variant, confidence,
                      iou_terms)
from .focal_iou_loss import (SEED_SCALE, AlphaIoULoss, FocalCIoULoss,
                             FocalDIoULoss, FocalEIoULoss, FocalGIoULoss,
                             FocalIoULoss, PlainIoULoss)

__all__ = [
    'IOU_MODES', 'IoUTerms', 'box_iou_variant', 'confidence', 'iou_terms',
    'SEED_SCALE', 'FocalIoULoss', 'PlainIoULoss', 'FocalGIoULoss',
    'FocalDIoULoss', 'FocalCIoULoss', 'FocalEIoULoss', 'AlphaIoULoss'
]
