_base_ = './ssd300_focal-ciou_coco.py'
model = dict(test_cfg=dict(nms={{_base_.diou_nms}}))
