# Schedule and runtime of the CPU-sized configs (configs/cpu), as variables:
# those configs inherit an mmdet detector file, which already defines these
# keys, so a second base may not define them again.
cpu_runtime = dict(
    train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1),
    # From scratch (no ImageNet weights on a CPU quickstart): AdamW is far
    # less sensitive to the learning rate than SGD.
    optim_wrapper=dict(
        _delete_=True,
        type='OptimWrapper',
        optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05),
        clip_grad=dict(max_norm=10.0, norm_type=2)),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
             end=100),
        dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=12,
             T_max=12, eta_min_ratio=0.05, convert_to_iter_based=True),
    ],
    default_hooks=dict(
        logger=dict(type='LoggerHook', interval=10),
        checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2)),
    randomness=dict(seed=0),
    # resume continues the RNG streams too (focal_iou_mmdet RNGStateHook)
    custom_hooks=[dict(type='RNGStateHook')],
)
