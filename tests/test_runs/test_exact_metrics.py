"""A run's COCO metrics at full precision, from its own detections and
ground truth, kept by content and recomputed when either changes."""
import json
import os

import pytest
from helpers import SHAPES_RETINANET, fake_coco_run, write_scalars
from helpers.sweep_specs import cpu_spec

from helpers.coco_detections import pycocotools_eval
from pycocotools.coco import COCO

from focal_iou_mmdet.evaluation.coco_match import RunMatch
from focal_iou_mmdet.runs.exact_metrics import exact_coco_metrics
from focal_iou_mmdet.sweep.compare.rows import collect
from focal_iou_mmdet.sweep.spec.seed_rounds import sweep_runs


KEYS = {'AP': '', 'AP50': '_50', 'AP75': '_75', 'AP_s': '_s', 'AP_m': '_m',
        'AP_l': '_l'}


def coco_stats(ann, detections_file):
    """pycocotools' stats by short name (the reference)."""
    with open(detections_file) as f:
        dets = json.load(f)
    stats = pycocotools_eval(COCO(ann), dets).stats
    return {k: float(stats[i]) for i, k in enumerate(KEYS)}


def _ground_truth(path):
    images = [dict(id=i, width=100, height=100) for i in range(4)]
    anns = [dict(id=i, image_id=i % 4, category_id=1 + i % 2,
                 bbox=[5 + 7 * i, 5, 20 + i, 25], area=(20 + i) * 25,
                 iscrowd=0) for i in range(8)]
    with open(path, 'w') as f:
        json.dump(dict(images=images, annotations=anns, categories=[
            dict(id=1, name='a'), dict(id=2, name='b')]), f)
    return str(path)


def _detections(path, jitter):
    dets = [dict(image_id=i % 4, category_id=1 + i % 2, score=0.9 - i / 20,
                 bbox=[5 + 7 * i + jitter * (i % 3), 5, 20 + i, 25])
            for i in range(8)]
    with open(path, 'w') as f:
        json.dump(dets, f)


def _run(tmp_path, jitter=1.5):
    spec = cpu_spec(tmp_path, axes={'loss': ['iou']}, exclude=[],
                    configs={'retinanet': SHAPES_RETINANET})
    [run] = sweep_runs(spec)
    d = spec.run_dir(run.id)
    ann = _ground_truth(tmp_path / 'val.json')
    os.makedirs(d.path, exist_ok=True)
    os.makedirs(os.path.dirname(d.predictions_file), exist_ok=True)
    _detections(d.predictions_file, jitter)
    stats = coco_stats(ann, d.predictions_file)
    fake_coco_run(d, [0.0])  # a finished run; its log as mmdet rounds it:
    write_scalars(d, [dict({f'coco/bbox_mAP{KEYS[k]}': round(v, 3)
                            for k, v in stats.items()}, step=1)])
    with open(d.dumped_config, 'w') as f:
        f.write(f'val_evaluator = dict(type="CocoMetric", ann_file={ann!r})\n')
    return spec, run, d, ann, stats


def test_the_row_carries_full_precision_where_detections_give_it(tmp_path):
    spec, run, d, _, stats = _run(tmp_path)
    [row] = collect(spec, [run])
    assert row['primary'] == pytest.approx(stats['AP'] * 100, abs=1e-9)
    assert row['primary'] != round(stats['AP'] * 100, 1)  # not the log's
    assert {'primary', 'AP', 'AP50', 'AP75-95', 'tp_IoU'} <= row['_exact']
    assert 0 < row['tp_IoU'] <= 100 and row['matched'] in range(1, 9)
    assert os.path.isfile(d.match_file)


def test_the_cache_is_keyed_by_content(tmp_path):
    spec, run, d, ann, stats = _run(tmp_path)
    logged = {'AP': round(stats['AP'], 3)}
    first = exact_coco_metrics(d, logged)
    # a match whose key matches is read, not matched again: one with a
    # category left out under the same key gives another AP
    import numpy as np
    with np.load(d.match_file) as z:
        key = str(z['key'])
    kept = RunMatch.load(d.match_file, key)
    kept.areas = {a: [c if k else None for k, c in enumerate(cats)]
                  for a, cats in kept.areas.items()}
    kept.save(d.match_file, key)
    assert exact_coco_metrics(d, {})['AP'] != pytest.approx(first['AP'])
    # changed detections: the key changes, the cache is not used
    _detections(d.predictions_file, 3.0)
    new = coco_stats(ann, d.predictions_file)
    got = exact_coco_metrics(d, {'AP': round(new['AP'], 3)})
    assert got['AP'] == pytest.approx(new['AP'])
    # changed ground truth likewise
    with open(ann) as f:
        gt = json.load(f)
    gt['annotations'] = gt['annotations'][:6]
    with open(ann, 'w') as f:
        json.dump(gt, f)
    newer = coco_stats(ann, d.predictions_file)
    assert exact_coco_metrics(d, {'AP': round(newer['AP'], 3)})['AP'] == \
        pytest.approx(newer['AP'])


def test_values_that_do_not_round_to_the_log_are_not_used(tmp_path):
    spec, run, d, _, stats = _run(tmp_path)
    assert exact_coco_metrics(d, {'AP': stats['AP'] + 0.01}) is None
    os.remove(d.dumped_config)
    assert exact_coco_metrics(d, {'AP': round(stats['AP'], 3)}) is None
    [row] = collect(spec, [run])
    assert row['_exact'] == frozenset()
    assert row['primary'] == round(round(stats['AP'], 3) * 100, 2)
