_base_ = './ssd300_coco.py'

model = dict(
    bbox_head=dict(
        reg_decoded_bbox=True,
        loss_bbox=dict(
            type='PlainIoULoss', iou_variant='ciou', loss_weight=5.0)))
