_base_ = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'

custom_imports = dict(
    imports=['focal_iou_mmdet.models', 'focal_iou_mmdet.engine'],
    allow_failed_imports=False)
