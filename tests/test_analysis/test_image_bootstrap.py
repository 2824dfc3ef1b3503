"""The paired image bootstrap of AP differences, against pycocotools."""
import contextlib
import io
import os

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from focal_iou_mmdet.analysis.image_bootstrap import (MatchedRun,
                                                      paired_bootstrap)
from focal_iou_mmdet.datasets import generate_shapes_dataset


@pytest.fixture(scope='module')
def coco_gt(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('shapes_boot'))
    generate_shapes_dataset(root, num_train=1, num_val=40, seed=5)
    with contextlib.redirect_stdout(io.StringIO()):
        return COCO(os.path.join(root, 'annotations', 'instances_val.json'))


def predictions(coco, jitter, seed, extra=2):
    """Each ground-truth box moved by up to ``jitter`` of its size, plus
    ``extra`` false positives per image, scores random."""
    rng = np.random.default_rng(seed)
    dets = []
    for ann in coco.dataset['annotations']:
        x, y, w, h = ann['bbox']
        dx, dy = rng.uniform(-jitter, jitter, 2) * (w, h)
        dets.append(dict(image_id=ann['image_id'],
                         category_id=ann['category_id'],
                         bbox=[x + dx, y + dy, w, h],
                         score=float(rng.uniform(0.3, 1))))
    for img in coco.getImgIds():
        for _ in range(extra):
            x, y = rng.uniform(0, 200, 2)
            dets.append(dict(image_id=img, category_id=int(rng.integers(1, 5)),
                             bbox=[x, y, 20.0, 20.0],
                             score=float(rng.uniform(0, 0.6))))
    return dets


def pycocotools_stats(coco, dets):
    with contextlib.redirect_stdout(io.StringIO()):
        ev = COCOeval(coco, coco.loadRes(dets), 'bbox')
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats


@pytest.mark.parametrize('jitter', [0.05, 0.3])
def test_full_sample_ap_equals_pycocotools(coco_gt, jitter):
    dets = predictions(coco_gt, jitter, seed=1)
    run = MatchedRun(coco_gt, dets)
    stats = pycocotools_stats(coco_gt, dets)
    assert run.ap() == pytest.approx(stats[0], abs=1e-12)
    assert run.ap(area='small') == pytest.approx(stats[3], abs=1e-12)
    assert run.ap(np.ones(len(run.img_ids))) == run.ap()


def test_identical_predictions_give_a_tight_interval_at_zero(coco_gt):
    dets = predictions(coco_gt, 0.2, seed=2)
    a, b = MatchedRun(coco_gt, dets), MatchedRun(coco_gt, dets)
    diff, lo, hi = paired_bootstrap(a, b, resamples=200)
    assert diff == lo == hi == 0.0


def test_strictly_better_boxes_give_an_interval_above_zero(coco_gt):
    good = MatchedRun(coco_gt, predictions(coco_gt, 0.03, seed=3))
    bad = MatchedRun(coco_gt, predictions(coco_gt, 0.25, seed=3))
    diff, lo, hi = paired_bootstrap(good, bad, resamples=300)
    assert 0 < lo <= diff <= hi
    diff_s, lo_s, hi_s = paired_bootstrap(good, bad, resamples=300,
                                          area='small')
    assert 0 < lo_s <= hi_s
    # and the other way round
    neg, lo2, hi2 = paired_bootstrap(bad, good, resamples=300)
    assert hi2 < 0 and neg == pytest.approx(-diff)


def test_zero_one_weights_equal_pycocotools_on_that_subset(coco_gt):
    """Weight 1 on five images and 0 on the rest: the same AP as
    pycocotools on a set of those five images alone."""
    dets = predictions(coco_gt, 0.1, seed=4)
    run = MatchedRun(coco_gt, dets)
    w = np.zeros(len(run.img_ids))
    w[:5] = 1
    sub_ids = run.img_ids[:5]
    sub = COCO()
    sub.dataset = dict(
        images=[i for i in coco_gt.dataset['images'] if i['id'] in sub_ids],
        annotations=[a for a in coco_gt.dataset['annotations']
                     if a['image_id'] in sub_ids],
        categories=coco_gt.dataset['categories'])
    with contextlib.redirect_stdout(io.StringIO()):
        sub.createIndex()
    sub_dets = [d for d in dets if d['image_id'] in sub_ids]
    assert run.ap(w) == pytest.approx(pycocotools_stats(sub, sub_dets)[0],
                                      abs=1e-12)
