_base_ = './ssd512_focal-ciou_coco.py'
model = dict(test_cfg=dict(nms={{_base_.diou_nms}}))
