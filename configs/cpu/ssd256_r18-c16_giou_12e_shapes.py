_base_ = ['./ssd256_r18-c16_12e_shapes.py', '../_base_/box_losses.py']
model = dict(bbox_head={{_base_.ssd_box_losses.giou}})
