_base_ = [
    '../_base_/models/ssd256_r18-c16.py',
    '../_base_/datasets/aquarium_detection.py',
    '../_base_/schedules/adamw_cosine_12e.py', '../_base_/default_runtime.py'
]

model = dict(bbox_head=dict(num_classes=7))
# as mmdet's SSD: plain batches, no aspect-ratio grouping
train_dataloader = dict(batch_sampler=None)
# mmdet's SSD hooks, then ours
custom_hooks = [
    dict(type='NumClassCheckHook'),
    dict(type='CheckInvalidLossHook', interval=50, priority='VERY_LOW'),
    dict(type='RNGStateHook'),
    dict(type='UIoUEpochHook'),
]
