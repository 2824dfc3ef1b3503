"""The sweep tests' spec builders."""
from helpers import write_spec

from focal_iou_mmdet.sweep import load_spec


def cpu_spec(tmp_path, name='s', **extra):
    spec = dict(
        name=name, work_dir=str(tmp_path / 'wd'),
        configs={'retinanet': 'retinanet_r18-c16_fpn_{loss}_12e_shapes.py',
                 'ssd': 'ssd256_r18-c16_{loss}_12e_shapes.py'},
        axes={'loss': ['baseline', 'iou', 'focal-iou'],
              'box_head.loss_bbox.gamma': [None, 1.0], 'seed': [0, 1]},
        exclude=[{'loss': ['baseline', 'iou'],
                  'box_head.loss_bbox.gamma': [1.0]}],
        baseline={'loss': 'iou'})
    spec.update(extra)
    return load_spec(write_spec(tmp_path / f'{name}.yaml', **spec))
