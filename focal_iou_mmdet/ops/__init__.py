from .diou_nms import diou_matrix, diou_nms, register_diou_nms

__all__ = ['diou_matrix', 'diou_nms', 'register_diou_nms']
