_base_ = './ssd256_r18-c16_12e_shapes.py'

model = dict(
    bbox_head=dict(
        reg_decoded_bbox=True,
        loss_bbox=dict(
            type='PlainIoULoss', iou_variant='diou', loss_weight=5.0)))
