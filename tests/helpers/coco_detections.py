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
