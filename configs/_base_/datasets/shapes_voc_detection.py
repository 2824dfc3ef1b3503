# The embedded shapes set in mmdet's VOC layout (VOCshapes/ under SHAPES_ROOT,
# written by the same generator), evaluated by VOCMetric: the metric family of
# mmdet's VOC0712 configs on a set that trains in seconds.
_base_ = './shapes_detection.py'

dataset_type = 'VOCDataset'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file='VOCshapes/ImageSets/Main/train.txt',
        data_prefix=dict(_delete_=True, sub_data_root='VOCshapes/')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file='VOCshapes/ImageSets/Main/val.txt',
        data_prefix=dict(_delete_=True, sub_data_root='VOCshapes/')))
test_dataloader = val_dataloader

# as mmdet's VOC0712 configs: 11-point mAP at IoU 0.5
val_evaluator = dict(
    _delete_=True, type='VOCMetric', metric='mAP', eval_mode='11points')
test_evaluator = val_evaluator
