_base_ = './rtmdet_tiny_8xb32-300e_coco.py'

# RTMDet regresses decoded boxes with GIoULoss (weight 2.0; per-box
# weights, avg_factor 1.0 from the head): only the loss changes.
model = dict(
    bbox_head=dict(
        loss_bbox=dict(
            type='PlainIoULoss', iou_variant='iou', loss_weight=2.0)))
