_base_ = ['./faster-rcnn_r50_fpn_1x_coco.py', '../_base_/box_losses.py']
model = dict(test_cfg=dict(rcnn=dict(nms={{_base_.diou_nms}})))
