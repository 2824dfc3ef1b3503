"""Detections for evaluation tests: ground-truth boxes moved at random,
plus false positives, and pycocotools' own numbers for them."""
import contextlib
import io

import numpy as np
from pycocotools.cocoeval import COCOeval


def jittered_detections(coco, jitter, seed, extra=2, size=200.0):
    """Each ground-truth box moved by up to ``jitter`` of its size, plus
    ``extra`` false positives per image, scores random."""
    rng = np.random.default_rng(seed)
    cats = coco.getCatIds()
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
            x, y = rng.uniform(0, size, 2)
            dets.append(dict(image_id=img, category_id=int(rng.choice(cats)),
                             bbox=[x, y, 20.0, 20.0],
                             score=float(rng.uniform(0, 0.6))))
    return dets


def pycocotools_eval(coco, dets):
    """pycocotools' COCOeval after evaluate, accumulate and summarize."""
    with contextlib.redirect_stdout(io.StringIO()):
        ev = COCOeval(coco, coco.loadRes(dets), 'bbox')
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def fake_matched_run(run_dir, ann_file, coco, dets, seconds=60.0):
    """A finished run that stored ``dets`` as its last COCO evaluation's
    detections, evaluated on ``ann_file`` (``coco`` read from it); its
    logged metrics are what mmdet would log (3 decimals)."""
    import json
    import os

    from helpers import write_scalars, write_status

    from focal_iou_mmdet.evaluation.coco_match import RunMatch
    os.makedirs(os.path.dirname(run_dir.predictions_file), exist_ok=True)
    with open(run_dir.predictions_file, 'w') as f:
        json.dump(dets, f)
    with open(run_dir.dumped_config, 'w') as f:
        f.write(f'val_evaluator = dict(type="CocoMetric", '
                f'ann_file={ann_file!r})\n')
    match = RunMatch.from_detections(coco, dets)
    logged = {}
    for key, area, name in (('', 'all', 'AP'), ('_50', 'all', 'AP50'),
                            ('_75', 'all', 'AP75'), ('_s', 'small', 'AP'),
                            ('_m', 'medium', 'AP'), ('_l', 'large', 'AP')):
        v = match.metrics(area)[name]
        logged[f'coco/bbox_mAP{key}'] = -1.0 if v != v else round(v, 3)
    write_scalars(run_dir, [dict(logged, step=1)])
    write_status(run_dir, state='done', attempts=1,
                 sessions=[dict(seconds=seconds, exit=0)])
