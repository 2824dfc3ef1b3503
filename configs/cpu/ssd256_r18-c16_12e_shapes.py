_base_ = [
    '../_base_/models/ssd256_r18-c16.py',
    '../_base_/datasets/shapes_detection.py',
    '../_base_/schedules/adamw_cosine_12e.py', '../_base_/default_runtime.py'
]

model = dict(bbox_head=dict(num_classes=4))
# SSD's anchors and extra levels are laid out for a 256 px input: the 128 px
# shapes images are resized up to it
backend_args = None
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(256, 256), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(256, 256), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor')),
]
# as mmdet's SSD: plain batches, no aspect-ratio grouping
train_dataloader = dict(batch_sampler=None,
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
# mmdet's SSD hooks, then ours
custom_hooks = [
    dict(type='NumClassCheckHook'),
    dict(type='CheckInvalidLossHook', interval=50, priority='VERY_LOW'),
    dict(type='RNGStateHook'),
    dict(type='UIoUEpochHook'),
]
