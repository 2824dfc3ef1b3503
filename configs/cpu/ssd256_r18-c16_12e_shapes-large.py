_base_ = './ssd256_r18-c16_12e_shapes.py'

# the shapes set with larger objects (most boxes between 32^2 and 96^2):
#   python -m focal_iou_mmdet.datasets.shapes work_dirs/data/shapes-large \
#       --min-side 24 --max-side 112
# SHAPES_LARGE_ROOT moves it
data_root = __import__('os').environ.get('SHAPES_LARGE_ROOT',
                                         'work_dirs/data/shapes-large/')
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
