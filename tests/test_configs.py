"""Every config loads and builds; variants differ from their baseline only
in the box loss; each detector family trains a real step."""
import glob
import os
import re

import numpy as np
import pytest
import torch
from conftest import ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope

import focal_iou_mmdet  # noqa: F401
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs

CONFIG_DIR = os.path.join(ROOT, 'configs')
ALL_CONFIGS = sorted(
    p for p in glob.glob(os.path.join(CONFIG_DIR, '**', '*.py'),
                         recursive=True)
    if '_base_' not in p.split(os.sep))
LOSS_TOKENS = ('iou', 'giou', 'diou', 'ciou', 'focal-iou', 'focal-giou',
               'focal-diou', 'focal-ciou', 'focal-eiou')

# Keys a variant may change relative to its baseline: the box loss and the
# decoded-box switch it needs, the import of this package, and the tables of
# configs/_base_/box_losses.py.  (SSD baselines already use our head, so a
# variant never changes the head type.)
ALLOWED_DIFF = re.compile(
    r'^(model\.(roi_head\.)?bbox_head\.(loss_bbox(\..*)?|reg_decoded_bbox)'
    r'|custom_imports(\..*)?'
    r'|\w+_box_losses(\..*)?|diou_nms(\..*)?)$')
# ... and a DIoU-NMS variant (``*_diou-nms_*``) only its test-time NMS.
ALLOWED_NMS_DIFF = re.compile(
    r'^(model\.test_cfg\.(rcnn\.)?nms\.(type|beta)'
    r'|\w+_box_losses(\..*)?|diou_nms(\..*)?)$')


def rel(path):
    return os.path.relpath(path, CONFIG_DIR)


def baseline_of(path):
    """A variant's baseline is the first (or only) local entry of its
    ``_base_``; a baseline config inherits an ``mmdet::`` file instead."""
    with open(path) as f:
        text = f.read()
    m = re.search(r"_base_ = \[?\s*'\./([^']+)'", text)
    return os.path.join(os.path.dirname(path), m.group(1)) if m else None


VARIANTS = [p for p in ALL_CONFIGS if baseline_of(p)]


def flatten(obj, prefix=''):
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, f'{prefix}{k}.'))
        if not obj:
            out[prefix[:-1]] = {}
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            out.update(flatten(v, f'{prefix}{i}.'))
        if not obj:
            out[prefix[:-1]] = type(obj)()
    else:
        out[prefix[:-1]] = obj
    return out


def test_config_tree_is_complete():
    """4 detectors x 2 datasets x (baseline + 9 variants)."""
    for det in ('ssd300', 'ssd512', 'retinanet_r50_fpn', 'faster-rcnn_r50_fpn'):
        for ds in ('coco', 'voc0712'):
            found = [p for p in ALL_CONFIGS
                     if os.path.basename(p).startswith(det + '_')
                     and p.endswith(f'_{ds}.py')]
            tokens = set()
            for p in found:
                name = os.path.basename(p)[len(det) + 1:-len(f'_{ds}.py')]
                tokens.add(name.replace('_1x', '').replace('1x', ''))
            assert set(LOSS_TOKENS) <= tokens, (det, ds, tokens)
            assert '' in tokens, f'{det} {ds}: no baseline'


def changed_keys(path, base):
    """Flattened keys whose values differ between two resolved configs."""
    a = flatten(Config.fromfile(base).to_dict())
    b = flatten(Config.fromfile(path).to_dict())
    return {k for k in set(a) | set(b)
            if a.get(k, '<absent>') != b.get(k, '<absent>')}, b


@pytest.mark.parametrize('path', VARIANTS, ids=rel)
def test_variant_differs_from_baseline_only_in_box_loss(path):
    changed, b = changed_keys(path, baseline_of(path))
    assert changed, 'variant is identical to its baseline'
    if '_diou-nms' in os.path.basename(path):
        bad = sorted(k for k in changed if not ALLOWED_NMS_DIFF.match(k))
        assert not bad, f'{rel(path)} also changes {bad}'
        assert 'diou_nms' in {v for k, v in b.items()
                              if re.match(r'model\.test_cfg\.(rcnn\.)?nms'
                                          r'\.type$', k)}
        return
    bad = sorted(k for k in changed if not ALLOWED_DIFF.match(k))
    assert not bad, f'{rel(path)} also changes {bad}'
    loss_type = next(v for k, v in b.items()
                     if k.endswith('bbox_head.loss_bbox.type'))
    assert MODELS.get(loss_type).__module__.startswith('focal_iou_mmdet')


def test_config_diff_catches_other_changes(tmp_path):
    base = os.path.join(CONFIG_DIR, 'retinanet', 'retinanet_r50_fpn_1x_coco.py')
    bad = tmp_path / 'bad_variant.py'
    bad.write_text(
        f"_base_ = ['{base}', '{CONFIG_DIR}/_base_/box_losses.py']\n"
        'model = dict(bbox_head={{_base_.retinanet_box_losses.focal_iou}},\n'
        '             neck=dict(out_channels=128))\n'
        'train_cfg = dict(max_epochs=24)\n')
    changed, _ = changed_keys(str(bad), base)
    flagged = sorted(k for k in changed if not ALLOWED_DIFF.match(k))
    assert set(flagged) == {'model.neck.out_channels', 'train_cfg.max_epochs'}


def _no_pretrained(cfg):
    cfg.model.backbone.init_cfg = None
    cfg.load_from = None
    return cfg


@pytest.mark.parametrize('path', ALL_CONFIGS, ids=rel)
def test_config_loads_and_model_builds(path):
    cfg = _no_pretrained(Config.fromfile(path))
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 1e5


FAMILIES = {
    'ssd300': ('ssd/ssd300_coco.py', 'ssd/ssd300_focal-ciou_coco.py', 300),
    'ssd512': ('ssd/ssd512_voc0712.py', 'ssd/ssd512_focal-iou_voc0712.py',
               512),
    'retinanet': ('retinanet/retinanet_r50_fpn_1x_coco.py',
                  'retinanet/retinanet_r50_fpn_focal-diou_1x_coco.py', 256),
    'faster-rcnn': ('faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
                    'faster_rcnn/faster-rcnn_r50_fpn_focal-ciou_1x_coco.py',
                    256),
}


SEED = 0


@pytest.mark.slow
@pytest.mark.parametrize('family', list(FAMILIES))
@pytest.mark.parametrize('which', [0, 1], ids=['baseline', 'focal'])
def test_train_step_on_cpu(family, which):
    path = os.path.join(CONFIG_DIR, FAMILIES[family][which])
    size = FAMILIES[family][2]
    cfg = Config.fromfile(path)
    # no download: mmdet's from-scratch init instead of ImageNet weights
    cfg.model.backbone.init_cfg = dict(type='Kaiming', layer='Conv2d')
    init_default_scope('mmdet')
    torch.manual_seed(0)
    np.random.seed(SEED)  # demo_mm_inputs draws boxes with numpy
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    num_classes = 20 if 'voc' in path else 80
    data = demo_mm_inputs(batch_size=2, image_shapes=[(3, size, size)] * 2,
                          num_items=[3, 2], num_classes=num_classes)
    data = model.data_preprocessor(data, training=True)
    losses = model(**data, mode='loss')
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total), losses
    bbox_losses = [v for k, v in losses.items() if 'loss_bbox' in k]
    assert bbox_losses
    for v in bbox_losses:
        assert torch.isfinite(sum(v) if isinstance(v, list) else v)
    total.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
