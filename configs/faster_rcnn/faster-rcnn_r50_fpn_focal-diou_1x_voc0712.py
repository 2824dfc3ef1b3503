_base_ = './faster-rcnn_r50_fpn_1x_voc0712.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            reg_decoded_bbox=True,
            loss_bbox=dict(
                type='FocalIoULoss', iou_variant='diou', loss_weight=10.0))))
