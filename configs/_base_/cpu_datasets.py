# Datasets of the CPU-sized configs, as variables (see cpu_runtime.py).
# Roots can be moved with the environment: SHAPES_ROOT, AQUARIUM_ROOT.

# The embedded shapes set (focal_iou_mmdet.datasets.shapes; `make quickstart`
# generates it): 256 px images, 4 classes, most boxes < 32^2.
shapes_root = '{{$SHAPES_ROOT:work_dirs/data/shapes/}}'
shapes_classes = ('rectangle', 'ellipse', 'triangle', 'cross')
# The real Aquarium set (Roboflow, CC BY 4.0) read from ../shared: 7 classes,
# longer side 416 px, ~52% small boxes.
aquarium_root = '{{$AQUARIUM_ROOT:../shared/datasets/aquarium/}}'
aquarium_classes = ('fish', 'jellyfish', 'penguin', 'puffin', 'shark',
                    'starfish', 'stingray')


def _pipelines(size):
    train = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='Resize', scale=(size, size), keep_ratio=True),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackDetInputs'),
    ]
    test = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(size, size), keep_ratio=True),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='PackDetInputs',
             meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                        'scale_factor')),
    ]
    return train, test


def _coco(root, classes, size, train_split, val_split, batch_size):
    train_pipeline, test_pipeline = _pipelines(size)
    common = dict(type='CocoDataset', data_root=root,
                  metainfo=dict(classes=classes))

    def loader(split, pipeline, train):
        return dict(
            batch_size=batch_size if train else 8,
            num_workers=2,
            persistent_workers=True,
            sampler=dict(type='DefaultSampler', shuffle=train),
            # replace the inherited dataset wholesale (mmdet's SSD wraps
            # its train set in RepeatDataset(times=5))
            dataset=dict(
                common,
                _delete_=True,
                ann_file=f'annotations/instances_{split}.json',
                data_prefix=dict(img=f'{split}/'),
                filter_cfg=dict(filter_empty_gt=train, min_size=0),
                test_mode=not train,
                pipeline=pipeline))

    def evaluator(split):
        return dict(type='CocoMetric',
                    ann_file=f'{root}annotations/instances_{split}.json',
                    metric='bbox', format_only=False)

    return dict(
        train_dataloader=loader(train_split, train_pipeline, True),
        val_dataloader=loader(val_split, test_pipeline, False),
        test_dataloader=loader(val_split, test_pipeline, False),
        val_evaluator=evaluator(val_split),
        test_evaluator=evaluator(val_split),
    )


shapes_data = _coco(shapes_root, shapes_classes, 256, 'train', 'val', 8)
aquarium_data = _coco(aquarium_root, aquarium_classes, 416, 'train', 'val', 8)
