"""The report's evaluation steps at COCO val2017's size, as ratios to one
pycocotools ``COCOeval.evaluate() + accumulate()`` measured in the same
process: matching a run, the 1,000-resample image bootstrap of both areas,
and a second report's reading of unchanged runs; then how each grows from
500 to 5,000 images.

    python tools/benchmarks/benchmark_report_scale.py [--images 5000]
        [--classes 80] [--boxes 36800] [--per-image 100]
        [--resamples 1000] [--growth 500,1000,2000,5000]

Ground truth and two runs' detections are synthetic with val2017's counts:
5,000 images, 80 classes, ~36,800 boxes (sizes log-uniform, so about 40%
small), up to 100 detections an image (each object found once, moved by
up to 5-10% of its size, the rest false positives at lower scores).
Peak memory is the process's maximum resident size.
"""
import argparse
import contextlib
import io
import json
import os
import resource
import tempfile
import time

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from focal_iou_mmdet.analysis.image_bootstrap import paired_draws
from focal_iou_mmdet.evaluation.coco_match import RunMatch


def ground_truth(images, classes, boxes, seed=0):
    rng = np.random.default_rng(seed)
    per_image = rng.multinomial(boxes, np.ones(images) / images)
    anns, imgs = [], []
    for i, n in enumerate(per_image, 1):
        imgs.append(dict(id=i, width=640, height=480))
        for _ in range(n):
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


def detections(coco, jitter, per_image, seed):
    rng = np.random.default_rng(seed)
    n_cat = len(coco.dataset['categories'])
    dets = []
    for img in coco.getImgIds():
        anns = coco.imgToAnns[img][:per_image]
        for a in anns:
            x, y, w, h = a['bbox']
            dx, dy = rng.uniform(-jitter, jitter, 2) * (w, h)
            dets.append(dict(image_id=img, category_id=a['category_id'],
                             bbox=[x + dx, y + dy, w, h],
                             score=float(rng.uniform(0.3, 1))))
        for _ in range(per_image - len(anns)):
            w, h = np.exp(rng.uniform(np.log(8), np.log(200), 2))
            dets.append(dict(image_id=img,
                             category_id=int(rng.integers(1, n_cat + 1)),
                             bbox=[float(rng.uniform(0, 600)),
                                   float(rng.uniform(0, 440)), w, h],
                             score=float(rng.uniform(0, 0.5))))
    return dets


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def pycocotools_anchor(coco, dets) -> float:
    def run():
        with contextlib.redirect_stdout(io.StringIO()):
            ev = COCOeval(coco, coco.loadRes(dets), 'bbox')
            ev.evaluate()
            ev.accumulate()
    return _timed(run)[1]


def measure(images, a, out_dir):
    """One size: seconds of each step, and the ratios to the anchor."""
    coco = ground_truth(images, a.classes, round(a.boxes * images / 5000))
    runs = [detections(coco, j, a.per_image, s) for j, s in ((.05, 1),
                                                              (.1, 2))]
    anchor = pycocotools_anchor(coco, runs[0])
    matches, match_s = [], []
    for dets in runs:
        m, s = _timed(lambda: RunMatch.from_detections(coco, dets))
        matches.append(m)
        match_s.append(s)
    boot = {}
    for area in ('all', 'small'):
        boot[area] = _timed(lambda: paired_draws(*matches, a.resamples,
                                                 area=area))[1]
    second = second_report(coco, runs, matches, out_dir)
    return dict(images=images, boxes=len(coco.dataset['annotations']),
                detections=len(runs[0]), anchor=anchor,
                matching=float(np.mean(match_s)),
                bootstrap=sum(boot.values()), second_report=second)


def second_report(coco, runs, matches, out_dir) -> float:
    """A second report on an unchanged pair: hash both detection files,
    read both kept matches and their metrics (the kept bootstrap draws
    are not read here)."""
    from focal_iou_mmdet.runs.code_identity import file_sha256
    paths = []
    for k, (dets, m) in enumerate(zip(runs, matches)):
        p = os.path.join(out_dir, f'run{k}.bbox.json')
        with open(p, 'w') as f:
            json.dump(dets, f)
        m.save(p + '.match.npz', file_sha256(p))
        paths.append(p)

    def read():
        kept = [RunMatch.load(p + '.match.npz', file_sha256(p))
                for p in paths]
        return [k.metrics(area) for k in kept for area in ('all', 'small')]
    return _timed(read)[1]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--images', type=int, default=5000)
    p.add_argument('--classes', type=int, default=80)
    p.add_argument('--boxes', type=int, default=36800)
    p.add_argument('--per-image', type=int, default=100)
    p.add_argument('--resamples', type=int, default=1000)
    p.add_argument('--growth', default='500,1000,2000,5000',
                   help='image counts of the growth table (comma-separated)')
    a = p.parse_args(argv)
    sizes = sorted({int(x) for x in a.growth.split(',') if x} | {a.images})
    with tempfile.TemporaryDirectory() as tmp:
        warm = _timed(lambda: measure(50, a, tmp))[1]
    print(f'(first use in a process: {warm:.1f} s at 50 images, numba\'s '
          'compilation or its cache included; not in the table)')
    print('| images | boxes | detections/run | pycocotools evaluate + '
          'accumulate | matching | bootstrap (2 areas) | second report, one '
          'pair |\n|---|---|---|---|---|---|---|', flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            r = measure(n, a, tmp)
            cells = [f'{r[k]:.1f} s ({r[k] / r["anchor"]:.2f}x)'
                     for k in ('matching', 'bootstrap', 'second_report')]
            print(f'| {n} | {r["boxes"]} | {r["detections"]} | '
                  f'{r["anchor"]:.1f} s | ' + ' | '.join(cells) + ' |',
                  flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f'\n{a.resamples} resamples; peak memory {peak:.2f} GiB')


if __name__ == '__main__':
    main()
