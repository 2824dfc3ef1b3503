"""Every config loads; every baseline builds its model; a variant shows its
override inline and, dumped, differs from its dumped baseline only in the
box loss; each detector family trains a real step."""
import functools
import glob
import os
import re

import numpy as np
import pytest
import torch
from helpers import ROOT
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope

from focal_iou_mmdet import register_all_modules
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs

register_all_modules()

CONFIG_DIR = os.path.join(ROOT, 'configs')
ALL_CONFIGS = sorted(
    p for p in glob.glob(os.path.join(CONFIG_DIR, '**', '*.py'),
                         recursive=True)
    if '_base_' not in p.split(os.sep))
LOSS_TOKENS = ('iou', 'giou', 'diou', 'ciou', 'focal-iou', 'focal-giou',
               'focal-diou', 'focal-ciou', 'focal-eiou')

# Keys a variant may change relative to its baseline: the box loss (DINO's
# IoU term is ``loss_iou``) and the decoded-box switch it needs.  (SSD
# baselines already use our head, so a variant never changes the head type.)
ALLOWED_DIFF = re.compile(
    r'^model\.(roi_head\.)?bbox_head\.'
    r'(loss_bbox(\..*)?|loss_iou(\..*)?|reg_decoded_bbox)$')
BOX_LOSS_TYPE = re.compile(
    r'^model\.(roi_head\.)?bbox_head\.(loss_bbox|loss_iou)\.type$')
# Detectors whose head already regresses decoded boxes with an IoU loss
# (issue #16): COCO only, no ``reg_decoded_bbox`` to set.
IOU_NATIVE = {
    'fcos_r50-caffe_fpn_gn-head-center-normbbox-centeronreg': '1x_coco',
    'atss_r50_fpn': '1x_coco',
    'gfl_r50_fpn': '1x_coco',
    'yolox_s': '8xb8-300e_coco',
    'rtmdet_tiny': '8xb32-300e_coco',
    'dino-4scale_r50': '8xb2-12e_coco',
}
# ... and a DIoU-NMS variant (``*_diou-nms_*``) only its test-time NMS.
ALLOWED_NMS_DIFF = re.compile(r'^model\.test_cfg\.(rcnn\.)?nms\.(type|beta)$')


def rel(path):
    return os.path.relpath(path, CONFIG_DIR)


def baseline_of(path):
    """A variant's baseline is its ``_base_``, a config beside it; a
    baseline inherits mmdet's config or our ``_base_/`` files instead."""
    with open(path) as f:
        text = f.read()
    m = re.search(r"^_base_ = '\./([^']+)'$", text, re.M)
    return os.path.join(os.path.dirname(path), m.group(1)) if m else None


def loss_token(path):
    """The loss token of a config's name (``..._focal-iou_12e_...``), or
    None for a baseline's name."""
    parts = os.path.basename(path)[:-3].split('_')
    return next((t for t in parts if t in LOSS_TOKENS), None)


# a dataset variant (``..._12e_shapes-large.py`` on ``..._12e_shapes.py``)
# is another dataset's baseline: it names no loss
DATASET_VARIANTS = [p for p in ALL_CONFIGS
                    if baseline_of(p) and loss_token(p) is None
                    and '_diou-nms' not in p]
VARIANTS = [p for p in ALL_CONFIGS
            if baseline_of(p) and p not in DATASET_VARIANTS]
BASELINES = [p for p in ALL_CONFIGS if p not in VARIANTS]
#: keys a dataset variant may change: where its data is
ALLOWED_DATA_DIFF = re.compile(
    r'^(data_root|(train|val|test)_dataloader\.dataset\.data_root|'
    r'(val|test)_evaluator\.ann_file)$')


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


@pytest.mark.parametrize('det', sorted(IOU_NATIVE))
def test_iou_native_config_tree_is_complete(det):
    """6 IoU-native detectors x COCO x (baseline + 9 variants), named
    ``{det}_{loss}_{schedule}_coco.py`` beside ``{det}_{schedule}_coco.py``."""
    tail = IOU_NATIVE[det]
    names = {os.path.basename(p) for p in ALL_CONFIGS}
    assert f'{det}_{tail}.py' in names
    missing = [t for t in LOSS_TOKENS if f'{det}_{t}_{tail}.py' not in names]
    assert not missing, (det, missing)


@functools.lru_cache(maxsize=None)
def dumped(path):
    """A config resolved and flattened (each file once per session)."""
    return flatten(Config.fromfile(path).to_dict())


def changed_keys(path, base):
    """Flattened keys whose values differ between two resolved configs."""
    a, b = dumped(base), dumped(path)
    return {k for k in set(a) | set(b)
            if a.get(k, '<absent>') != b.get(k, '<absent>')}, b


@pytest.mark.parametrize('path', VARIANTS, ids=rel)
def test_variant_shows_its_override_inline(path):
    """The variant file itself names what it changes: one ``_base_`` (its
    baseline) and the loss type, IoU variant, weight and decoded boxes (or
    the NMS); no tables pulled from elsewhere."""
    with open(path) as f:
        text = f.read()
    assert '{{' not in text and text.count('_base_') == 1, text
    if '_diou-nms' in os.path.basename(path):
        assert "nms=dict(type='diou_nms', beta=1.0)" in text
        return
    native = os.path.basename(path).startswith(tuple(IOU_NATIVE))
    needed = ("type='", "iou_variant='", 'loss_weight=')
    if native:  # the head decodes already; DINO's IoU term is loss_iou
        assert 'loss_bbox=dict(' in text or 'loss_iou=dict(' in text, text
        assert 'reg_decoded_bbox' not in text, text
    else:
        needed += ('reg_decoded_bbox=True', 'loss_bbox=dict(')
    for word in needed:
        assert word in text, (rel(path), word)


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
    ours = [k for k, v in b.items() if BOX_LOSS_TYPE.match(k) and
            MODELS.get(v).__module__.startswith('focal_iou_mmdet')]
    assert len(ours) == 1, f'{rel(path)}: box losses of ours: {ours}'
    assert ours[0] in changed


@pytest.mark.parametrize('path', DATASET_VARIANTS, ids=rel)
def test_dataset_variant_differs_only_in_its_data(path):
    changed, _ = changed_keys(path, baseline_of(path))
    assert changed, 'dataset variant is identical to its baseline'
    bad = sorted(k for k in changed if not ALLOWED_DATA_DIFF.match(k))
    assert not bad, f'{rel(path)} also changes {bad}'


def test_config_diff_catches_other_changes(tmp_path):
    base = os.path.join(CONFIG_DIR, 'retinanet', 'retinanet_r50_fpn_1x_coco.py')
    bad = tmp_path / 'bad_variant.py'
    bad.write_text(
        f"_base_ = '{base}'\n"
        "model = dict(bbox_head=dict(reg_decoded_bbox=True, loss_bbox=dict(\n"
        "    type='FocalIoULoss', iou_variant='iou', loss_weight=2.0)),\n"
        '             neck=dict(out_channels=128))\n'
        'train_cfg = dict(max_epochs=24)\n'
        "giou_table = dict(type='GIoULoss')\n")
    a, b = dumped(base), flatten(Config.fromfile(str(bad)).to_dict())
    changed = {k for k in set(a) | set(b)
               if a.get(k, '<absent>') != b.get(k, '<absent>')}
    flagged = sorted(k for k in changed if not ALLOWED_DIFF.match(k))
    assert set(flagged) == {'model.neck.out_channels', 'train_cfg.max_epochs',
                            'giou_table.type'}


def _no_pretrained(cfg):
    cfg.model.backbone.init_cfg = None
    cfg.load_from = None
    return cfg


@pytest.mark.parametrize('path', BASELINES, ids=rel)
def test_baseline_model_builds(path):
    cfg = _no_pretrained(Config.fromfile(path))
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 1e5


LOSS_VARIANTS = [p for p in VARIANTS if '_diou-nms' not in p]


@pytest.mark.parametrize('path', LOSS_VARIANTS, ids=rel)
def test_variant_box_loss_builds(path):
    """The rest of a variant is its baseline's (tested above)."""
    flat = dumped(path)
    prefix = next(k[:-len('type')] for k, v in flat.items()
                  if BOX_LOSS_TYPE.match(k)
                  and MODELS.get(v).__module__.startswith('focal_iou_mmdet'))
    cfg = {k[len(prefix):]: v for k, v in flat.items()
           if k.startswith(prefix) and '.' not in k[len(prefix):]}
    init_default_scope('mmdet')
    loss = MODELS.build(cfg)
    assert type(loss).__module__.startswith('focal_iou_mmdet')


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
# the IoU-native detectors: their focal variant of the base they use
NATIVE_FAMILIES = {
    'fcos': 'fcos/fcos_r50-caffe_fpn_gn-head-center-normbbox-centeronreg_'
            'focal-giou_1x_coco.py',
    'atss': 'atss/atss_r50_fpn_focal-giou_1x_coco.py',
    'gfl': 'gfl/gfl_r50_fpn_focal-giou_1x_coco.py',
    'yolox': 'yolox/yolox_s_focal-iou_8xb8-300e_coco.py',
    'rtmdet': 'rtmdet/rtmdet_tiny_focal-giou_8xb32-300e_coco.py',
    'dino': 'dino/dino-4scale_r50_focal-giou_8xb2-12e_coco.py',
}
FAMILIES.update({f: (None, p, 256) for f, p in NATIVE_FAMILIES.items()})
# a smaller model where the full one takes half a minute on CPU; the head
# and its losses are unchanged
SMALLER = {'dino': {'model.num_queries': 30, 'model.encoder.num_layers': 1,
                    'model.decoder.num_layers': 2}}


SEED = 0


# SSD512 differs from SSD300 in its input size and anchors: its focal
# variant alone is enough
TRAIN_STEPS = [(f, w) for f in FAMILIES for w in (0, 1)
               if (f, w) != ('ssd512', 0) and FAMILIES[f][w]]


@pytest.mark.slow
@pytest.mark.parametrize('family,which', TRAIN_STEPS,
                         ids=[f'{"focal" if w else "baseline"}-{f}'
                              for f, w in TRAIN_STEPS])
def test_train_step_on_cpu(family, which):
    path = os.path.join(CONFIG_DIR, FAMILIES[family][which])
    size = FAMILIES[family][2]
    cfg = Config.fromfile(path)
    cfg.merge_from_dict(SMALLER.get(family, {}))
    # no download: mmdet's from-scratch init instead of ImageNet weights
    cfg.model.backbone.init_cfg = dict(type='Kaiming', layer='Conv2d')
    init_default_scope('mmdet')
    torch.manual_seed(0)
    np.random.seed(SEED)  # demo_mm_inputs draws boxes with numpy
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    num_classes = 20 if 'voc' in path else 80
    data = demo_mm_inputs(batch_size=1, image_shapes=[(3, size, size)],
                          num_items=[3], num_classes=num_classes)
    # YOLOX's batch resize reads the iteration a Runner would record
    MessageHub.get_current_instance().update_info('iter', 0)
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
