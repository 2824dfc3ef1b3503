_base_ = ['./faster-rcnn_r50_fpn_1x_voc0712.py', '../_base_/box_losses.py']
model = dict(roi_head=dict(bbox_head={{_base_.faster_rcnn_box_losses.focal_giou}}))
