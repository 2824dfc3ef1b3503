# A CPU-sized SSD: ResNet-18 with 16 base channels (strides 8 and 16) and an
# SSD neck with four extra levels, SSD anchors for a 256 px input; trained
# from scratch (no ImageNet weights).
_base_ = 'mmdet::_base_/models/ssd300.py'

input_size = 256
model = dict(
    backbone=dict(_delete_=True, type='ResNet', depth=18, base_channels=16,
                  num_stages=4, out_indices=(1, 2), frozen_stages=-1,
                  norm_cfg=dict(type='BN', requires_grad=True),
                  norm_eval=False, style='pytorch', init_cfg=None),
    # feature maps 32, 16 -> 8, 4, 2, 1
    neck=dict(in_channels=(32, 64), out_channels=(32, 64, 64, 64, 64, 64),
              level_strides=(2, 2, 2, 1), level_paddings=(1, 1, 1, 0),
              last_kernel_size=2, l2_norm_scale=None),
    bbox_head=dict(
        type='SSDHeadWithBoxLoss',  # mmdet's SSD loss; fixes SSD inference
        in_channels=(32, 64, 64, 64, 64, 64),
        # mmdet derives anchor sizes for 300/512 inputs only; these cover
        # 12-256 px, weighted to the small objects of the CPU datasets.
        anchor_generator=dict(input_size=input_size,
                              strides=[8, 16, 32, 64, 128, 256],
                              min_sizes=[12, 26, 56, 96, 140, 190],
                              max_sizes=[26, 56, 96, 140, 190, 256])))
