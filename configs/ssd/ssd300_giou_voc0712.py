_base_ = ['./ssd300_voc0712.py', '../_base_/box_losses.py']
model = dict(bbox_head={{_base_.ssd_box_losses.giou}})
