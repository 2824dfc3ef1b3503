_base_ = './retinanet_r50_fpn_1x_coco.py'

model = dict(
    bbox_head=dict(
        reg_decoded_bbox=True,
        loss_bbox=dict(
            type='PlainIoULoss', iou_variant='giou', loss_weight=2.0)))
