"""A run's match and the metrics read from it, against pycocotools on the
shapes set and on the real aquarium set; oLRP against a case worked by
hand; the match on disk."""
import contextlib
import io
import os

import numpy as np
import pytest
from helpers import AQUARIUM
from helpers.coco_detections import jittered_detections, pycocotools_eval
from pycocotools.coco import COCO

from focal_iou_mmdet.datasets import generate_shapes_dataset
from focal_iou_mmdet.evaluation.coco_match import (AREAS, IOU_THRESHOLDS,
                                                   LRP_TAU, MATCHERS,
                                                   RunMatch)


def _coco(path):
    with contextlib.redirect_stdout(io.StringIO()):
        return COCO(path)


@pytest.fixture(scope='module')
def shapes_gt(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('shapes_match'))
    generate_shapes_dataset(root, num_train=1, num_val=40, seed=5)
    return _coco(os.path.join(root, 'annotations', 'instances_val.json'))


@pytest.fixture(scope='module')
def aquarium_gt():
    path = os.path.join(AQUARIUM, 'annotations', 'instances_val.json')
    if not os.path.isfile(path):
        pytest.skip(f'no aquarium set at {AQUARIUM}')
    return _coco(path)


STATS = {('all', 'AP'): 0, ('all', 'AP50'): 1, ('all', 'AP75'): 2,
         ('small', 'AP'): 3, ('medium', 'AP'): 4, ('large', 'AP'): 5}


@pytest.mark.parametrize('matcher', MATCHERS)
@pytest.mark.parametrize('dataset', ['shapes', 'aquarium'])
@pytest.mark.parametrize('jitter', [0.03, 0.15, 0.4])
def test_ap_equals_every_cocoeval_stat(request, dataset, jitter, matcher):
    gt = request.getfixturevalue(f'{dataset}_gt')
    dets = jittered_detections(gt, jitter, seed=1, size=400.0)
    ev = pycocotools_eval(gt, dets)
    match = RunMatch.from_detections(gt, dets, matcher=matcher)
    for (area, name), i in STATS.items():
        got = match.metrics(area)[name]
        want = ev.stats[i]
        if want == -1:
            assert np.isnan(got), (area, name)
        else:
            assert got == pytest.approx(want, abs=1e-12), (area, name)
    # AP at any single threshold: pycocotools' precision array
    p = ev.eval['precision'][:, :, :, 0, 2]
    for name, t in (('AP90', 8), ('AP75', 5)):
        per_cat = p[t][:, (p[t] > -1).all(0)]
        assert match.metrics()[name] == pytest.approx(per_cat.mean(),
                                                      abs=1e-12)
    strict = p[5:][:, :, (p[0] > -1).all(0)]
    assert match.metrics()['AP75-95'] == pytest.approx(strict.mean(),
                                                       abs=1e-12)


def _direct_tp_iou(ev):
    """The true positives' mean IoU at 0.5 straight from COCOeval's
    evalImgs (area all, maxDets 100), ious and the ground truth order."""
    ious = []
    n_img = len(ev.params.imgIds)
    n_area = len(ev.params.areaRng)
    for k in range(len(ev.params.catIds)):
        for i in range(n_img):
            e = ev.evalImgs[k * n_area * n_img + i]
            if e is None:
                continue
            key = (e['image_id'], e['category_id'])
            gt_ids = [g['id'] for g in ev._gts[key]]
            for d, g in enumerate(e['dtMatches'][0]):
                if g and not e['dtIgnore'][0][d]:
                    ious.append(ev.ious[key][d, gt_ids.index(g)])
    return float(np.mean(ious)), len(ious)


@pytest.mark.parametrize('dataset', ['shapes', 'aquarium'])
def test_true_positive_iou_equals_a_direct_computation(request, dataset):
    gt = request.getfixturevalue(f'{dataset}_gt')
    dets = jittered_detections(gt, 0.2, seed=2, size=400.0)
    mean, n = _direct_tp_iou(pycocotools_eval(gt, dets))
    found = RunMatch.from_detections(gt, dets).metrics()
    assert found['tp_IoU'] == pytest.approx(mean, abs=1e-12)
    assert found['matched'] == n


def _one_class_set():
    """One image, one class, three ground-truth boxes."""
    gt = COCO()
    gt.dataset = dict(
        images=[dict(id=1, width=200, height=200)],
        categories=[dict(id=1, name='a')],
        annotations=[dict(id=i + 1, image_id=1, category_id=1, iscrowd=0,
                          bbox=[60.0 * i, 0.0, 50.0, 50.0], area=2500.0)
                     for i in range(3)])
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
    return gt


def test_olrp_on_a_case_worked_by_hand():
    """Scores 0.9: box 1 shifted by 10 px (IoU 40/60 = 2/3); 0.8: a false
    positive; 0.7: box 2 exact (IoU 1); 0.6: box 3 shifted 25 px (IoU 1/3,
    a miss at 0.5).  G = 3.  LRP at each threshold, (sum (1-IoU)/(1-tau) +
    FP + FN) / (TP + FP + FN):
      0.9: (2/3 + 0 + 2) / 3 = 8/9;  0.8: (2/3 + 1 + 2) / 4 = 11/12;
      0.7: (2/3 + 1 + 1) / 4 = 2/3;  0.6: (2/3 + 2 + 1) / 5 = 11/15.
    oLRP = 2/3 at 0.7; its localisation part = mean(1 - IoU) = (1/3 + 0)
    / 2 = 1/6.  The true positives' mean IoU: (2/3 + 1) / 2 = 5/6."""
    assert LRP_TAU == 0.5
    gt = _one_class_set()
    dets = [dict(image_id=1, category_id=1, score=0.9,
                 bbox=[10.0, 0.0, 50.0, 50.0]),
            dict(image_id=1, category_id=1, score=0.8,
                 bbox=[150.0, 150.0, 40.0, 40.0]),
            dict(image_id=1, category_id=1, score=0.7,
                 bbox=[60.0, 0.0, 50.0, 50.0]),
            dict(image_id=1, category_id=1, score=0.6,
                 bbox=[145.0, 0.0, 50.0, 50.0])]
    found = RunMatch.from_detections(gt, dets).metrics()
    assert found['oLRP'] == pytest.approx(2 / 3)
    assert found['oLRP_loc'] == pytest.approx(1 / 6)
    assert found['tp_IoU'] == pytest.approx(5 / 6)
    assert found['matched'] == 2


def test_olrp_without_a_true_positive_is_one():
    gt = _one_class_set()
    dets = [dict(image_id=1, category_id=1, score=0.5,
                 bbox=[150.0, 150.0, 40.0, 40.0])]
    found = RunMatch.from_detections(gt, dets).metrics()
    assert found['oLRP'] == 1.0
    assert np.isnan(found['oLRP_loc']) and np.isnan(found['tp_IoU'])
    assert found['AP'] == 0.0


@pytest.mark.parametrize('weights', ['zeros-but-five', 'counts'])
def test_weights_count_images_that_many_times(shapes_gt, weights):
    """Weight 1 on five images and 0 on the rest is pycocotools on those
    five alone; integer weights are the images repeated."""
    dets = jittered_detections(shapes_gt, 0.1, seed=4)
    match = RunMatch.from_detections(shapes_gt, dets)
    ids = match.img_ids
    w = np.zeros(len(ids))
    keep = ids[:5] if weights == 'zeros-but-five' else ids[:8]
    w[:len(keep)] = 1 if weights == 'zeros-but-five' else [1, 2, 3, 1, 2,
                                                           1, 1, 2]
    copies = {i: int(c) for i, c in zip(ids, w) if c}
    sub = COCO()
    images, anns, sub_dets, new_id = [], [], [], {}
    for img in shapes_gt.dataset['images']:
        for c in range(copies.get(img['id'], 0)):
            new_id[img['id'], c] = len(images) + 1
            images.append(dict(img, id=len(images) + 1))
    for (old, c), new in new_id.items():
        anns += [dict(a, id=len(anns) + j + 1, image_id=new) for j, a in
                 enumerate(shapes_gt.imgToAnns[old])]
        sub_dets += [dict(d, image_id=new) for d in dets
                     if d['image_id'] == old]
    sub.dataset = dict(images=images, annotations=anns,
                       categories=shapes_gt.dataset['categories'])
    with contextlib.redirect_stdout(io.StringIO()):
        sub.createIndex()
    want = RunMatch.from_detections(sub, sub_dets).metrics()
    got = match.metrics(weights=w)
    for name in want:
        assert got[name] == pytest.approx(want[name], abs=1e-12), name
    assert got['AP'] == pytest.approx(pycocotools_eval(sub, sub_dets)
                                      .stats[0], abs=1e-12)


def test_the_match_on_disk_is_read_only_under_its_key(shapes_gt, tmp_path):
    dets = jittered_detections(shapes_gt, 0.1, seed=6)
    match = RunMatch.from_detections(shapes_gt, dets)
    path = str(tmp_path / 'match.npz')
    match.save(path, 'key-1')
    kept = RunMatch.load(path, 'key-1')
    assert kept.metrics() == match.metrics()
    assert kept.metrics('small') == match.metrics('small')
    assert RunMatch.load(path, 'key-2') is None
    assert RunMatch.load(str(tmp_path / 'missing.npz')) is None
    with open(path, 'wb') as f:
        f.write(b'not an npz')
    assert RunMatch.load(path, 'key-1') is None
    assert os.listdir(tmp_path) == ['match.npz']  # no temp file left


def test_default_thresholds_only(shapes_gt):
    from pycocotools.cocoeval import COCOeval
    dets = jittered_detections(shapes_gt, 0.1, seed=6)
    with contextlib.redirect_stdout(io.StringIO()):
        ev = COCOeval(shapes_gt, shapes_gt.loadRes(dets), 'bbox')
        ev.params.iouThrs = IOU_THRESHOLDS[:5]
        ev.evaluate()
    with pytest.raises(ValueError, match='non-default'):
        RunMatch.from_cocoeval(ev)


def _hard_set():
    """Crowd boxes, boxes of every size, score ties, 130 detections of one
    class in one image, detections that overlap two objects, an
    annotation whose id is 0."""
    rng = np.random.default_rng(9)
    images = [dict(id=i, width=300, height=300) for i in (3, 7, 11)]
    anns = []
    for img in (3, 7, 11):
        for k in range(12):
            w, h = rng.uniform(4, 150, 2)
            anns.append(dict(id=len(anns) + 1, image_id=img,
                             category_id=int(rng.integers(1, 4)),
                             bbox=[float(rng.uniform(0, 150)),
                                   float(rng.uniform(0, 150)), w, h],
                             area=float(w * h * rng.uniform(0.5, 1)),
                             iscrowd=int(k % 5 == 0)))
    anns[4]['id'] = 0  # pycocotools counts a match to id 0 as none
    gt = COCO()
    gt.dataset = dict(images=images, annotations=anns, categories=[
        dict(id=c, name=str(c)) for c in (1, 2, 3, 9)])
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
    dets = []
    for a in anns:
        for _ in range(3):
            x, y, w, h = a['bbox']
            dets.append(dict(image_id=a['image_id'],
                             category_id=a['category_id'],
                             bbox=[x + rng.normal(0, 0.1 * w),
                                   y + rng.normal(0, 0.1 * h),
                                   w * rng.uniform(0.8, 1.2), h],
                             score=float(rng.choice([0.3, 0.5, 0.9]))))
    for _ in range(130):
        dets.append(dict(image_id=7, category_id=2, score=float(
            rng.choice([0.1, 0.2])), bbox=[float(rng.uniform(0, 200)),
                                           float(rng.uniform(0, 200)),
                                           40.0, 30.0]))
    return gt, dets


@pytest.mark.parametrize('dataset', ['shapes', 'aquarium', 'hard'])
def test_the_compiled_matcher_gives_pycocotools_match(request, dataset):
    """Every row of every category and area range is the same as from
    pycocotools' evalImgs: per-image matches, ignores and IoUs."""
    if dataset == 'hard':
        gt, dets = _hard_set()
    else:
        gt = request.getfixturevalue(f'{dataset}_gt')
        dets = jittered_detections(gt, 0.25, seed=3, size=400.0)
    ref = RunMatch.from_detections(gt, dets, matcher='pycocotools')
    mine = RunMatch.from_detections(gt, dets, matcher='compiled')
    assert mine.img_ids == ref.img_ids and mine.cat_ids == ref.cat_ids
    for area in AREAS:
        for a, b in zip(ref.areas[area], mine.areas[area]):
            assert (a is None) == (b is None)
            if a is None:
                continue
            for field in ('image', 'tp', 'iou', 'counted', 'gt_count'):
                assert np.array_equal(getattr(a, field), getattr(b, field))
    with pytest.raises(ValueError, match="matcher='fast'"):
        RunMatch.from_detections(gt, dets, matcher='fast')
