# 12 epochs from scratch: AdamW (far less sensitive to the learning rate
# than SGD without ImageNet weights), linear warm-up, cosine decay; the CPU
# configs evaluate after every epoch.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=10.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=12, T_max=12,
         eta_min_ratio=0.05, convert_to_iter_based=True),
]
