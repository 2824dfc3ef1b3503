from .ssd_head_with_box_loss import SSDHeadWithBoxLoss

__all__ = ['SSDHeadWithBoxLoss']
