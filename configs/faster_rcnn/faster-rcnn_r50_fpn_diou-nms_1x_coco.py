_base_ = './faster-rcnn_r50_fpn_1x_coco.py'

# DIoU-NMS at test time (Zheng et al. 2020, beta = 1 as the authors' code):
# merged into the detector's own nms dict, so its iou_threshold stays.
model = dict(
    test_cfg=dict(
        rcnn=dict(nms=dict(type='diou_nms', beta=1.0))))
