"""A spec expanded into runs: product, zip, exclusions, stable ids, and
errors that name the key (no mmdet needed)."""
import pytest
from helpers.sweep_specs import cpu_spec

from focal_iou_mmdet.sweep import SweepSpecError, expand
from focal_iou_mmdet.sweep.spec.expansion import fill_template, run_id


def test_expand_product_exclude_and_ids(tmp_path):
    spec = cpu_spec(tmp_path)
    runs = expand(spec)
    # 2 detectors x (baseline, iou: default gamma; focal-iou: 2 gammas) x 2
    assert len(runs) == 2 * (1 + 1 + 2) * 2
    ids = [r.id for r in runs]
    assert len(set(ids)) == len(ids)
    assert ids[:3] == ['retinanet_baseline_seed0', 'retinanet_baseline_seed1',
                       'retinanet_iou_seed0']
    focal = next(r for r in runs if r.id == 'ssd_focal-iou_gamma1.0_seed1')
    assert focal.base_config == 'ssd256_r18-c16_focal-iou_12e_shapes.py'
    assert focal.overrides == {'box_head.loss_bbox.gamma': 1.0,
                               'randomness.seed': 1}
    base = next(r for r in runs if r.id == 'retinanet_baseline_seed0')
    assert base.base_config == 'retinanet_r18-c16_fpn_12e_shapes.py'
    assert base.overrides == {'randomness.seed': 0}  # null gamma: untouched


def test_run_ids_are_stable_when_the_sweep_grows(tmp_path):
    small = {r.id: dict(r.values) for r in expand(cpu_spec(tmp_path))}
    grown = cpu_spec(tmp_path, name='g', axes={
        'loss': ['baseline', 'iou', 'focal-iou', 'focal-ciou'],
        'box_head.loss_bbox.gamma': [None, 1.0, 3.0], 'seed': [0, 1, 2]})
    big = {r.id: dict(r.values) for r in expand(grown)}
    for rid, values in small.items():
        assert big[rid] == values


def test_zip_varies_axes_together(tmp_path):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou', 'focal-iou'],
                                    'seed': [0, 1],
                                    'optim_wrapper.optimizer.lr': [0.1, 0.2]},
                    zip=[['seed', 'optim_wrapper.optimizer.lr']],
                    exclude=[], configs={
                        'retinanet':
                        'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'})
    runs = expand(spec)
    assert [r.id for r in runs] == [
        'retinanet_iou_seed0_lr0.1', 'retinanet_iou_seed1_lr0.2',
        'retinanet_focal-iou_seed0_lr0.1', 'retinanet_focal-iou_seed1_lr0.2']


@pytest.mark.parametrize('template,value,expected', [
    ('ssd300_{loss}_coco.py', 'baseline', 'ssd300_coco.py'),
    ('ssd300_{loss}_coco.py', 'focal-ciou', 'ssd300_focal-ciou_coco.py'),
    ('{loss}_x.py', 'baseline', 'x.py'),
    ('faster-rcnn_r50_fpn_{loss}_1x_coco.py', 'baseline',
     'faster-rcnn_r50_fpn_1x_coco.py'),
])
def test_fill_template(template, value, expected):
    assert fill_template(template, {'loss': value}) == expected


def test_run_id_tokens():
    axes = ['detector', 'loss', 'model.bbox_head.loss_bbox.gamma', 'seed']
    assert run_id({'detector': 'ssd', 'loss': 'focal-ciou',
                   'model.bbox_head.loss_bbox.gamma': -0.5, 'seed': 3},
                  axes) == 'ssd_focal-ciou_gamma-0.5_seed3'


@pytest.mark.parametrize('bad,message', [
    (dict(axes={'lsos': ['iou']}), "axis 'lsos' is neither a config key"),
    (dict(colour='red'), "unknown key 'colour' (known: name, "),
    (dict(axes={'loss': []}), "axis 'loss' has no values"),
    (dict(zip=[['loss', 'seed']]), 'lengths differ'),
    (dict(exclude=[{'gamma': 1}]), "'gamma' is not an axis"),
    (dict(baseline={'loss': 'smooth-l1'}), "loss='smooth-l1' is not a value"),
    (dict(axes={'loss': ['iou'], 'seed': [0]},
          exclude=[{'loss': 'iou'}]), 'gives no runs'),
    (dict(configs={'retinanet': 'retinanet_{los}.py'}, axes={'seed': [0]},
          exclude=[], baseline={}), 'has placeholder {los}'),
])
def test_spec_errors_name_the_key(tmp_path, bad, message):
    with pytest.raises(SweepSpecError) as e:
        cpu_spec(tmp_path, **bad) if 'gives no runs' not in message else \
            expand(cpu_spec(tmp_path, **bad))
    assert message in str(e.value)
