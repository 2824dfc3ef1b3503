_base_ = ['./ssd300_coco.py', '../_base_/box_losses.py']
model = dict(test_cfg=dict(nms={{_base_.diou_nms}}))
