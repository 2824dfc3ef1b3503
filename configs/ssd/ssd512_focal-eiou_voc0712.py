_base_ = './ssd512_voc0712.py'

model = dict(
    bbox_head=dict(
        reg_decoded_bbox=True,
        loss_bbox=dict(
            type='FocalIoULoss',
            iou_variant='eiou',
            formula='focal_eiou',
            loss_weight=5.0)))
