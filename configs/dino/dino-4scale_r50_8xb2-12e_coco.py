_base_ = 'mmdet::dino/dino-4scale_r50_8xb2-12e_coco.py'

custom_imports = dict(
    imports=['focal_iou_mmdet.models', 'focal_iou_mmdet.engine'],
    allow_failed_imports=False)
