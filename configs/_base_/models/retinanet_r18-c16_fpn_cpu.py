# A CPU-sized RetinaNet: ResNet-18 with 16 base channels (widths 16-128),
# a 64-channel FPN from stride 4 (small objects) and a 2-conv head; trained
# from scratch.  Dataset settings come from the config that inherits this.
_base_ = ['mmdet::retinanet/retinanet_r50_fpn_1x_coco.py', '../cpu_runtime.py']
custom_imports = dict(imports=['focal_iou_mmdet'], allow_failed_imports=False)

model = dict(
    backbone=dict(depth=18, base_channels=16, frozen_stages=-1,
                  norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64, start_level=0,
              num_outs=5),
    bbox_head=dict(in_channels=64, feat_channels=64, stacked_convs=2,
                   anchor_generator=dict(strides=[4, 8, 16, 32, 64])))

train_cfg = {{_base_.cpu_runtime.train_cfg}}
optim_wrapper = {{_base_.cpu_runtime.optim_wrapper}}
param_scheduler = {{_base_.cpu_runtime.param_scheduler}}
default_hooks = {{_base_.cpu_runtime.default_hooks}}
randomness = {{_base_.cpu_runtime.randomness}}
custom_hooks = {{_base_.cpu_runtime.custom_hooks}}
