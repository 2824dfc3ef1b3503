_base_ = './gfl_r50_fpn_1x_coco.py'

# GFL regresses decoded boxes with GIoULoss (weight 2.0; quality-score
# weights, avg_factor 1.0 from the head): only the loss changes.
model = dict(
    bbox_head=dict(
        loss_bbox=dict(
            type='PlainIoULoss', iou_variant='ciou', loss_weight=2.0)))
