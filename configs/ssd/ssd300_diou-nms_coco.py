_base_ = './ssd300_coco.py'

# DIoU-NMS at test time (Zheng et al. 2020, beta = 1 as the authors' code):
# merged into the detector's own nms dict, so its iou_threshold stays.
model = dict(test_cfg=dict(nms=dict(type='diou_nms', beta=1.0)))
