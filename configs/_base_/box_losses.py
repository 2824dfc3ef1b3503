# Box-loss overrides for the variant configs: one table per detector family,
# one entry per loss.  A variant config is its baseline plus one entry, e.g.
#   model = dict(bbox_head={{_base_.retinanet_box_losses.focal_ciou}})
#
# Loss weights (see README, "Configs"):
# - Faster R-CNN RoI head: IoU/GIoU 10.0 and CIoU 12.0 as mmdet's model zoo
#   (faster-rcnn_r50_fpn_{iou,giou,ciou}_1x_coco); DIoU and EIoU take 10.0.
#   Focal variants keep the plain weight: the seed constant s inside the
#   loss (2.477 / 3.088 / 3.3) carries the focal rescale, which is about the
#   seed Detectron's 28 / 36 against 12 (x2.3 for IoU, x3 for CIoU).
# - RetinaNet: 2.0, as mmdet's ATSS/GFL heads weight GIoULoss.
# - SSD: 5.0, the seed's localisation weight (total = 5 * loc + cls).


def _table(weight, ciou_weight):
    """Entries ``{name: loss config}`` for one detector family."""
    plain = dict(type='PlainIoULoss')
    focal = dict(type='FocalIoULoss')
    return dict(
        iou=dict(plain, iou_mode='iou', loss_weight=weight),
        giou=dict(plain, iou_mode='giou', loss_weight=weight),
        diou=dict(plain, iou_mode='diou', loss_weight=weight),
        ciou=dict(plain, iou_mode='ciou', loss_weight=ciou_weight),
        focal_iou=dict(focal, iou_mode='iou', loss_weight=weight),
        focal_giou=dict(focal, iou_mode='giou', loss_weight=weight),
        focal_diou=dict(focal, iou_mode='diou', loss_weight=weight),
        focal_ciou=dict(focal, iou_mode='ciou', loss_weight=ciou_weight),
        focal_eiou=dict(type='FocalEIoULoss', loss_weight=weight),
    )


def _overrides(table):
    return {
        name: dict(reg_decoded_bbox=True, loss_bbox=loss)
        for name, loss in table.items()
    }


# model.roi_head.bbox_head
faster_rcnn_box_losses = _overrides(_table(10.0, 12.0))
# model.bbox_head
retinanet_box_losses = _overrides(_table(2.0, 2.0))
# model.bbox_head (the SSD baselines use SSDHeadWithBoxLoss, whose default
# loss is mmdet's SSD loss: mmdet's SSDHead has no loss_bbox)
ssd_box_losses = _overrides(_table(5.0, 5.0))


# DIoU-NMS at test time (Zheng et al. 2020; beta = 1 as the seed's default).
# Merged into the detector's own nms dict, so mmdet's iou_threshold stays
# (0.45 SSD, 0.5 RetinaNet and the Faster R-CNN RoI head).  Dense heads read
# model.test_cfg.nms, Faster R-CNN model.test_cfg.rcnn.nms (RPN: plain NMS).
diou_nms = dict(type='diou_nms', beta=1.0)
