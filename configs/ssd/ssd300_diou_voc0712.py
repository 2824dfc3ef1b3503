_base_ = './ssd300_voc0712.py'

model = dict(
    bbox_head=dict(
        reg_decoded_bbox=True,
        loss_bbox=dict(
            type='PlainIoULoss', iou_variant='diou', loss_weight=5.0)))
