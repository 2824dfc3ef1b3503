_base_ = 'mmdet::pascal_voc/retinanet_r50_fpn_1x_voc0712.py'

custom_imports = dict(
    imports=['focal_iou_mmdet.models', 'focal_iou_mmdet.engine'],
    allow_failed_imports=False)
