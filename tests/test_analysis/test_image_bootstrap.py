"""The paired image bootstrap of AP differences, against pycocotools."""
import contextlib
import io
import os

import numpy as np
import pytest
from pycocotools.coco import COCO

from helpers.coco_detections import jittered_detections, pycocotools_eval

from focal_iou_mmdet.analysis.image_bootstrap import (bootstrap_summary,
                                                      paired_bootstrap,
                                                      paired_draws)
from focal_iou_mmdet.evaluation.coco_match import RunMatch
from focal_iou_mmdet.datasets import generate_shapes_dataset


@pytest.fixture(scope='module')
def coco_gt(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('shapes_boot'))
    generate_shapes_dataset(root, num_train=1, num_val=40, seed=5)
    with contextlib.redirect_stdout(io.StringIO()):
        return COCO(os.path.join(root, 'annotations', 'instances_val.json'))


def predictions(coco, jitter, seed):
    return jittered_detections(coco, jitter, seed)


def pycocotools_stats(coco, dets):
    return pycocotools_eval(coco, dets).stats


@pytest.mark.parametrize('jitter', [0.05, 0.3])
def test_full_sample_ap_equals_pycocotools(coco_gt, jitter):
    dets = predictions(coco_gt, jitter, seed=1)
    run = RunMatch.from_detections(coco_gt, dets)
    stats = pycocotools_stats(coco_gt, dets)
    assert run.ap() == pytest.approx(stats[0], abs=1e-12)
    assert run.ap(area='small') == pytest.approx(stats[3], abs=1e-12)
    assert run.ap(np.ones(len(run.img_ids))) == run.ap()


def test_identical_predictions_give_a_tight_interval_at_zero(coco_gt):
    dets = predictions(coco_gt, 0.2, seed=2)
    a, b = RunMatch.from_detections(coco_gt, dets), RunMatch.from_detections(coco_gt, dets)
    diff, lo, hi = paired_bootstrap(a, b, resamples=200)
    assert diff == lo == hi == 0.0


def test_strictly_better_boxes_give_an_interval_above_zero(coco_gt):
    good = RunMatch.from_detections(coco_gt, predictions(coco_gt, 0.03, seed=3))
    bad = RunMatch.from_detections(coco_gt, predictions(coco_gt, 0.25, seed=3))
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
    run = RunMatch.from_detections(coco_gt, dets)
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


def test_the_same_seed_gives_the_same_interval_whatever_the_batch(
        coco_gt, monkeypatch):
    a = RunMatch.from_detections(coco_gt, predictions(coco_gt, 0.05, 7))
    b = RunMatch.from_detections(coco_gt, predictions(coco_gt, 0.2, 7))
    whole = bootstrap_summary(a, b, resamples=50, seed=3)
    from focal_iou_mmdet.evaluation import coco_match
    monkeypatch.setattr(coco_match, '_BATCH_ELEMENTS', 1)  # one at a time
    one_by_one = bootstrap_summary(a, b, resamples=50, seed=3)
    assert one_by_one[:3] == whole[:3]
    assert one_by_one[3] == pytest.approx(whole[3], rel=1e-12)
    assert bootstrap_summary(a, b, resamples=50, seed=4) != whole


def test_every_metric_is_bootstrapped_from_one_draw(coco_gt):
    """Better boxes: higher strict AP and true-positive IoU, lower
    localisation error; the loose AP50 moves less than the strict AP."""
    good = RunMatch.from_detections(coco_gt, predictions(coco_gt, 0.03, 3))
    bad = RunMatch.from_detections(coco_gt, predictions(coco_gt, 0.2, 3))
    draws = paired_draws(good, bad, resamples=200)
    assert set(draws) >= {'AP', 'AP50', 'AP75', 'AP90', 'AP75-95',
                          'tp_IoU', 'oLRP', 'oLRP_loc', 'matched'}
    assert np.all(draws['tp_IoU'] > 0) and np.all(draws['oLRP_loc'] < 0)
    assert draws['AP75-95'].mean() > draws['AP50'].mean() > -1
    with pytest.raises(ValueError, match='area'):
        paired_draws(good, bad, resamples=2, area='tiny')


def test_kept_draws_are_read_only_for_the_same_matches(coco_gt, tmp_path):
    from focal_iou_mmdet.analysis.image_bootstrap import kept_paired_draws
    a = RunMatch.from_detections(coco_gt, predictions(coco_gt, 0.05, 8))
    b = RunMatch.from_detections(coco_gt, predictions(coco_gt, 0.2, 8))
    path = str(tmp_path / 'draws.npz')
    a.key, b.key = 'a1', 'b1'
    first = kept_paired_draws(a, b, path, resamples=20)
    # kept: a file altered under the same key is what is read
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays['all/AP'] = arrays['all/AP'] + 100
    np.savez(path, **arrays)
    again = kept_paired_draws(a, b, path, resamples=20)
    assert np.allclose(again['all']['AP'], first['all']['AP'] + 100)
    # another match (its detections changed): drawn again, not read
    b.key = 'b2'
    fresh = kept_paired_draws(a, b, path, resamples=20)
    assert np.allclose(fresh['all']['AP'], first['all']['AP'])
    # other resamples: drawn again
    assert len(kept_paired_draws(a, b, path, resamples=30)['all']['AP']) \
        == 30
    # matches without a key are never kept
    a.key = None
    os.remove(path)
    kept_paired_draws(a, b, path, resamples=5)
    assert not os.path.exists(path)
