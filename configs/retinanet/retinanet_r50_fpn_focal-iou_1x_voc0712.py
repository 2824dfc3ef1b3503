_base_ = './retinanet_r50_fpn_1x_voc0712.py'

model = dict(
    bbox_head=dict(
        reg_decoded_bbox=True,
        loss_bbox=dict(
            type='FocalIoULoss', iou_variant='iou', loss_weight=2.0)))
