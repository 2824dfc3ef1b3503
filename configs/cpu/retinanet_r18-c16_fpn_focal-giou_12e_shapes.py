_base_ = ['./retinanet_r18-c16_fpn_12e_shapes.py', '../_base_/box_losses.py']
model = dict(bbox_head={{_base_.retinanet_box_losses.focal_giou}})
