"""CocoLocalizationMetric: mmdet's COCO numbers with either evaluator
(faster-coco-eval equal to pycocotools), and the localization measures of
the run's match, on the shapes and aquarium sets."""
import contextlib
import importlib.util
import io
import os

import numpy as np
import pytest
from helpers import AQUARIUM
from helpers.coco_detections import jittered_detections, pycocotools_eval
from pycocotools.coco import COCO

from focal_iou_mmdet.datasets import generate_shapes_dataset
from focal_iou_mmdet.evaluation.coco_match import RunMatch

pytest.importorskip('mmdet')
from focal_iou_mmdet.engine.metrics import CocoLocalizationMetric  # noqa
from focal_iou_mmdet.engine.metrics.coco_localization_metric import (  # noqa
    EXTRA_KEYS, evaluator_class)

FASTER = importlib.util.find_spec('faster_coco_eval') is not None
STATS = ('mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l')


@pytest.fixture(scope='module', params=['shapes', 'aquarium'])
def ann_file(request, tmp_path_factory):
    if request.param == 'aquarium':
        path = os.path.join(AQUARIUM, 'annotations', 'instances_val.json')
        if not os.path.isfile(path):
            pytest.skip(f'no aquarium set at {AQUARIUM}')
        return path
    root = str(tmp_path_factory.mktemp('shapes_metric'))
    generate_shapes_dataset(root, num_train=1, num_val=30, seed=3)
    return os.path.join(root, 'annotations', 'instances_val.json')


def _results(coco, dets, cat_ids):
    """CocoMetric's processed results, one (gt, prediction) per image."""
    out = []
    for img in sorted(coco.getImgIds()):
        mine = [d for d in dets if d['image_id'] == img]
        boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in
                          (d['bbox'] for d in mine)]).reshape(-1, 4)
        out.append((dict(img_id=img), dict(
            img_id=img, bboxes=boxes,
            scores=np.array([d['score'] for d in mine]),
            labels=np.array([cat_ids.index(d['category_id'])
                             for d in mine], np.int64))))
    return out


def _metric(ann_file, backend):
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(ann_file)
    metric = CocoLocalizationMetric(ann_file=ann_file, backend=backend)
    metric.dataset_meta = dict(classes=tuple(
        c['name'] for c in sorted(coco.dataset['categories'],
                                  key=lambda c: c['id'])))
    return metric, coco


@pytest.mark.parametrize('backend', [
    'pycocotools', pytest.param('faster-coco-eval', marks=pytest.mark.skipif(
        not FASTER, reason='faster-coco-eval not installed'))])
def test_stats_and_localization_equal_pycocotools(ann_file, backend):
    metric, coco = _metric(ann_file, backend)
    dets = jittered_detections(coco, 0.15, seed=2, size=400.0)
    # as CocoMetric dumps them: boxes through xyxy and back
    out = metric.compute_metrics(_results(coco, dets, metric.cat_ids or
                                          sorted(coco.getCatIds())))
    ref = pycocotools_eval(coco, dets).stats
    for i, name in enumerate(STATS):
        assert out[f'bbox_{name}'] == pytest.approx(round(ref[i], 3),
                                                    abs=1e-3 + 1e-9), name
    found = RunMatch.from_detections(coco, dets).metrics()
    for key, name in EXTRA_KEYS.items():
        assert out[key] == pytest.approx(found[name], abs=1e-3), key


def test_unknown_backend_is_named():
    with pytest.raises(ValueError, match="backend='fast'"):
        evaluator_class('fast')


def test_auto_falls_back_to_pycocotools(monkeypatch):
    """Without faster-coco-eval (its import fails here whether or not it
    is installed), 'auto' is pycocotools and the named backend says what
    to install."""
    import sys
    from pycocotools.cocoeval import COCOeval
    monkeypatch.setitem(sys.modules, 'faster_coco_eval', None)
    assert evaluator_class('auto') is COCOeval
    with pytest.raises(ImportError, match='pip install faster-coco-eval'):
        evaluator_class('faster-coco-eval')
