_base_ = 'mmdet::pascal_voc/ssd300_voc0712.py'

custom_imports = dict(
    imports=['focal_iou_mmdet.models', 'focal_iou_mmdet.engine'],
    allow_failed_imports=False)

# mmdet's SSD loss (SSDHeadWithBoxLoss's default), plus the loss_bbox option
# and the fix for mmdet 3.3.0's SSD inference (SSDHead lacks loss_cls)
model = dict(bbox_head=dict(type='SSDHeadWithBoxLoss'))
