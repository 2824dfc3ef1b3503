_base_ = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'

custom_imports = dict(
    imports=['focal_iou_mmdet.models', 'focal_iou_mmdet.engine'],
    allow_failed_imports=False)
