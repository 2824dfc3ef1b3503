_base_ = ['./retinanet_r50_fpn_1x_coco.py', '../_base_/box_losses.py']
model = dict(bbox_head={{_base_.retinanet_box_losses.focal_giou}})
