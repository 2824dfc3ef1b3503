_base_ = './retinanet_r50_fpn_focal-ciou_1x_coco.py'
model = dict(test_cfg=dict(nms={{_base_.diou_nms}}))
