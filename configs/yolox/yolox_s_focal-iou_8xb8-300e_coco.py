_base_ = './yolox_s_8xb8-300e_coco.py'

# YOLOX's box loss is IoULoss(mode='square', reduction='sum', weight 5.0),
# which the head divides by the number of positives: the loss is replaced
# (_delete_: 'mode' and 'eps' are IoULoss's), keeping the sum and weight.
model = dict(
    bbox_head=dict(
        loss_bbox=dict(
            _delete_=True,
            type='FocalIoULoss',
            iou_variant='iou',
            reduction='sum',
            loss_weight=5.0)))
