_base_ = './faster-rcnn_r50_fpn_focal-ciou_1x_coco.py'
model = dict(test_cfg=dict(rcnn=dict(nms={{_base_.diou_nms}})))
