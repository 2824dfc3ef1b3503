# A CPU-sized RetinaNet: ResNet-18 with 16 base channels (widths 16-128),
# a 64-channel FPN from stride 4 (small objects) and a 2-conv head; trained
# from scratch (no ImageNet weights).
_base_ = 'mmdet::_base_/models/retinanet_r50_fpn.py'

model = dict(
    backbone=dict(depth=18, base_channels=16, frozen_stages=-1,
                  norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64, start_level=0,
              num_outs=5),
    bbox_head=dict(in_channels=64, feat_channels=64, stacked_convs=2,
                   anchor_generator=dict(strides=[4, 8, 16, 32, 64])))
