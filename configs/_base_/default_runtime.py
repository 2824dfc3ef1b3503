# mmdet's runtime with this package registered, a log line every 10
# iterations, the last 2 checkpoints kept, RNGStateHook, which saves the
# RNG streams in every checkpoint so that a resumed run continues exactly,
# and UIoUEpochHook, which tells Unified-IoU the epoch (a no-op otherwise).
_base_ = 'mmdet::_base_/default_runtime.py'

custom_imports = dict(
    imports=['focal_iou_mmdet.models', 'focal_iou_mmdet.engine'],
    allow_failed_imports=False)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2))
randomness = dict(seed=0)
custom_hooks = [dict(type='RNGStateHook'), dict(type='UIoUEpochHook')]
