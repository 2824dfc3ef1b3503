_base_ = 'mmdet::yolox/yolox_s_8xb8-300e_coco.py'

custom_imports = dict(
    imports=['focal_iou_mmdet.models', 'focal_iou_mmdet.engine'],
    allow_failed_imports=False)
