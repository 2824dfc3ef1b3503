_base_ = ['./ssd512_coco.py', '../_base_/box_losses.py']
model = dict(bbox_head={{_base_.ssd_box_losses.ciou}})
