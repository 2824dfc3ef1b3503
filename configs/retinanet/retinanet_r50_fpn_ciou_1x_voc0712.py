_base_ = './retinanet_r50_fpn_1x_voc0712.py'

model = dict(
    bbox_head=dict(
        reg_decoded_bbox=True,
        loss_bbox=dict(
            type='PlainIoULoss', iou_variant='ciou', loss_weight=2.0)))
