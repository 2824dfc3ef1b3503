_base_ = './dino-4scale_r50_8xb2-12e_coco.py'

# DINO's IoU loss term (loss_iou: GIoULoss, weight 2.0, next to the L1
# loss_bbox) changes; the Hungarian matching cost keeps mmdet's GIoU
# IoUCost (train_cfg.assigner), so the matching is the baseline's.
model = dict(
    bbox_head=dict(
        loss_iou=dict(
            type='PlainIoULoss', iou_variant='ciou', loss_weight=2.0)))
