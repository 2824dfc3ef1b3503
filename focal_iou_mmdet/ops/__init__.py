from .diou_nms import diou_nms, diou_to, register_diou_nms

__all__ = ['diou_nms', 'diou_to', 'register_diou_nms']
