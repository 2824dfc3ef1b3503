"""Time of the paired image bootstrap (ΔAP with its interval) on a
COCO-val-sized set: synthetic ground truth and detections, printed as
measured.

    python tools/benchmarks/benchmark_bootstrap.py [--images 5000] [--classes 80]
        [--objects 7] [--false-positives 10] [--resamples 1000]

The per-image matching (pycocotools' evaluate) runs once per run; each
resample re-accumulates the matches with image weights.
"""
import argparse
import contextlib
import io
import time

import numpy as np
from pycocotools.coco import COCO

from focal_iou_mmdet.analysis.image_bootstrap import (MatchedRun,
                                                      paired_bootstrap)


def synthetic(images, classes, objects, seed=0):
    rng = np.random.default_rng(seed)
    anns, imgs = [], []
    for i in range(1, images + 1):
        imgs.append(dict(id=i, width=640, height=480))
        for _ in range(rng.poisson(objects)):
            w, h = np.exp(rng.uniform(np.log(8), np.log(300), 2))
            x, y = rng.uniform(0, 640 - w), rng.uniform(0, 480 - h)
            anns.append(dict(id=len(anns) + 1, image_id=i,
                             category_id=int(rng.integers(1, classes + 1)),
                             bbox=[x, y, w, h], area=w * h, iscrowd=0))
    coco = COCO()
    coco.dataset = dict(images=imgs, annotations=anns, categories=[
        dict(id=c, name=str(c)) for c in range(1, classes + 1)])
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def detections(coco, jitter, false_positives, seed):
    rng = np.random.default_rng(seed)
    dets = []
    for a in coco.dataset['annotations']:
        x, y, w, h = a['bbox']
        dx, dy = rng.uniform(-jitter, jitter, 2) * (w, h)
        dets.append(dict(image_id=a['image_id'], category_id=a['category_id'],
                         bbox=[x + dx, y + dy, w, h],
                         score=float(rng.uniform(0.3, 1))))
    n_cat = len(coco.dataset['categories'])
    for img in coco.getImgIds():
        for _ in range(false_positives):
            x, y = rng.uniform(0, 600, 2)
            dets.append(dict(image_id=img,
                             category_id=int(rng.integers(1, n_cat + 1)),
                             bbox=[x, y, 30.0, 30.0],
                             score=float(rng.uniform(0, 0.6))))
    return dets


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--images', type=int, default=5000)
    p.add_argument('--classes', type=int, default=80)
    p.add_argument('--objects', type=float, default=7.0)
    p.add_argument('--false-positives', type=int, default=10)
    p.add_argument('--resamples', type=int, default=1000)
    a = p.parse_args(argv)
    coco = synthetic(a.images, a.classes, a.objects)
    runs = []
    for jitter, seed in ((0.05, 1), (0.1, 2)):
        dets = detections(coco, jitter, a.false_positives, seed)
        t = time.perf_counter()
        runs.append(MatchedRun(coco, dets))
        print(f'{a.images} images, {len(coco.dataset["annotations"])} '
              f'objects, {len(dets)} detections: matching (pycocotools '
              f'evaluate, once per run) {time.perf_counter() - t:.1f} s',
              flush=True)
    for area in ('all', 'small'):
        t = time.perf_counter()
        d, lo, hi = paired_bootstrap(runs[0], runs[1], a.resamples, area=area)
        secs = time.perf_counter() - t
        print(f'ΔAP{"" if area == "all" else "_s"} {d:+.2f} [{lo:+.2f}, '
              f'{hi:+.2f}]: {a.resamples} resamples in {secs:.1f} s '
              f'({secs / a.resamples * 1e3:.1f} ms each, both runs)',
              flush=True)


if __name__ == '__main__':
    main()
