_base_ = './fcos_r50-caffe_fpn_gn-head-center-normbbox-centeronreg_1x_coco.py'

# FCOS regresses decoded boxes with GIoULoss (weight 1.0; centerness
# weights, avg_factor from the head): only the loss changes.
model = dict(
    bbox_head=dict(
        loss_bbox=dict(
            type='PlainIoULoss', iou_variant='diou', loss_weight=1.0)))
