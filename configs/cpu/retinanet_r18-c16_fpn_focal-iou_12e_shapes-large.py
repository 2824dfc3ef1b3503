_base_ = './retinanet_r18-c16_fpn_12e_shapes-large.py'

model = dict(
    bbox_head=dict(
        reg_decoded_bbox=True,
        loss_bbox=dict(
            type='FocalIoULoss', iou_variant='iou', loss_weight=2.0)))
