_base_ = './atss_r50_fpn_1x_coco.py'

# ATSS regresses decoded boxes with GIoULoss (weight 2.0; centerness
# weights, avg_factor 1.0 from the head): only the loss changes.
model = dict(
    bbox_head=dict(
        loss_bbox=dict(
            type='PlainIoULoss', iou_variant='diou', loss_weight=2.0)))
