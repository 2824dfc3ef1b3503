"""Training-step time of a focal variant against its baseline config, side
by side in one process: forward + backward of the whole detector on the
same batch, the two configs interleaved step by step, median over steps.

    python tools/benchmarks/benchmark_train_step.py [--device cpu|cuda] [--steps 10]
        [--size 320] [--threads 2] [--pairs retinanet faster-rcnn]

Target (issue #14): a focal variant's step <= 1.02x its baseline's.  The
baselines are mmdet's own configs (smooth-L1 / L1 box loss), so the ratio
also contains the box decoding an IoU loss needs (``reg_decoded_bbox``).
"""
import argparse
import logging
import os
import statistics
import time
import warnings

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import focal_iou_mmdet
from focal_iou_mmdet import register_all_modules
from focal_iou_mmdet.utils.devices import describe_device, synchronize
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs

register_all_modules()

CONFIGS = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'configs')
if not os.path.isdir(CONFIGS):  # installed: the copies mim uses
    CONFIGS = os.path.join(os.path.dirname(focal_iou_mmdet.__file__), '.mim',
                           'configs')
PAIRS = {
    'retinanet': ('retinanet/retinanet_r50_fpn_1x_coco.py',
                  'retinanet/retinanet_r50_fpn_focal-ciou_1x_coco.py'),
    'faster-rcnn': ('faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
                    'faster_rcnn/faster-rcnn_r50_fpn_focal-ciou_1x_coco.py'),
    'ssd300': ('ssd/ssd300_coco.py', 'ssd/ssd300_focal-ciou_coco.py'),
}


def build(path, device):
    cfg = Config.fromfile(os.path.join(CONFIGS, path))
    cfg.model.backbone.init_cfg = dict(type='Kaiming', layer='Conv2d')
    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(device)
    logging.disable(logging.INFO)  # mmengine logs every initialised layer
    try:
        model.init_weights()
    finally:
        logging.disable(logging.NOTSET)
    model.train()
    return model


def step(model, data, device):
    losses = model(**data, mode='loss')
    total, _ = model.parse_losses(losses)
    total.backward()
    model.zero_grad(set_to_none=True)
    synchronize(device)


def main(argv=None):
    warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--device', default='cpu')
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--size', type=int, default=320)
    p.add_argument('--batch', type=int, default=2)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--pairs', nargs='+', default=['retinanet', 'faster-rcnn'],
                   choices=list(PAIRS))
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    where = describe_device(device)
    print(f'{where}; batch {args.batch} of {args.size} px, median of '
          f'{args.steps} interleaved steps after 2 warm-ups', flush=True)
    rows = []
    for name in args.pairs:
        models = [build(path, device) for path in PAIRS[name]]
        np.random.seed(0)
        data = demo_mm_inputs(batch_size=args.batch,
                              image_shapes=[(3, args.size, args.size)] *
                              args.batch, num_items=[5] * args.batch,
                              num_classes=80)
        data = models[0].data_preprocessor(data, training=True)
        data = {k: (v.to(device) if hasattr(v, 'to') else
                    [s.to(device) for s in v]) for k, v in data.items()}
        for m in models:
            for _ in range(2):
                step(m, data, device)
        times = [[], []]
        for _ in range(args.steps):
            for i, m in enumerate(models):
                t = time.perf_counter()
                step(m, data, device)
                times[i].append((time.perf_counter() - t) * 1e3)
        base, focal = (statistics.median(t) for t in times)
        rows.append(dict(detector=name, baseline_ms=base, focal_ms=focal,
                         ratio=focal / base))
        print(f'{name:<12} baseline {base:8.1f} ms  focal-ciou {focal:8.1f} '
              f'ms  ratio {focal / base:.3f}x', flush=True)
    return rows


if __name__ == '__main__':
    main()
