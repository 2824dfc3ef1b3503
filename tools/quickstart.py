"""The main job: train a small detector twice on CPU -- a box-loss baseline
and its Focal-IoU variant -- on the embedded shapes set, and show the
difference (table, work_dirs/quickstart/report.md, PNG plots).

    python tools/quickstart.py [--detector retinanet|ssd] [--baseline iou]
        [--focal focal-iou] [--epochs 12] [--seeds 0 ...]

No dataset, GPU or download: the set is generated on first use
(focal_iou_mmdet.datasets.shapes).  Re-running skips finished runs and
resumes an interrupted one.  ``--smoke`` is the seconds-long version CI runs.
"""
import argparse
import os
import os.path as osp
import shlex
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from focal_iou_mmdet.analysis import (  # noqa: E402
    TINY_RUN_OPTIONS, RunSpec, compare)
from focal_iou_mmdet.datasets import generate_shapes_dataset  # noqa: E402

DETECTORS = {
    'retinanet': 'retinanet_r18-c16_fpn',
    'ssd': 'ssd256_r18-c16',
}
LOSSES = ('iou', 'giou', 'diou', 'ciou', 'focal-iou', 'focal-giou',
          'focal-diou', 'focal-ciou', 'focal-eiou')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--detector', choices=sorted(DETECTORS), default='retinanet')
    p.add_argument('--baseline', choices=LOSSES, default='iou')
    p.add_argument('--focal', choices=LOSSES, default='focal-iou')
    p.add_argument('--epochs', type=int, default=12)
    p.add_argument('--seeds', type=int, nargs='+', default=[0])
    p.add_argument('--work-dir', default='work_dirs/quickstart')
    p.add_argument('--data-dir', default='work_dirs/data/shapes')
    p.add_argument('--num-train', type=int, default=192)
    p.add_argument('--num-val', type=int, default=64)
    p.add_argument('--smoke', action='store_true',
                   help='seconds-long check: 8/4 images, 1 epoch')
    p.add_argument('--quiet', action='store_true',
                   help='do not echo the per-epoch training lines')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    options = []
    if args.smoke:
        args.num_train, args.num_val, args.epochs = 8, 4, 1
        options = TINY_RUN_OPTIONS  # CI's seconds-long version
    data_dir = osp.abspath(args.data_dir)
    print(f'dataset: {data_dir} ({args.num_train} train / {args.num_val} val '
          'images, generated on first use)', flush=True)
    generate_shapes_dataset(data_dir, args.num_train, args.num_val)
    det = DETECTORS[args.detector]
    specs = [
        RunSpec(loss, f'{det}_{loss}_12e_shapes.py', seed)
        for loss in (args.baseline, args.focal) for seed in args.seeds
    ]
    title = (f'{det} on shapes: {args.baseline} vs {args.focal} '
             f'({args.epochs} epochs, seeds {args.seeds})')
    invocation = ' '.join(shlex.quote(a) for a in [sys.executable] + sys.argv)
    return compare(specs, osp.abspath(args.work_dir), args.epochs,
                   args.baseline, title, options,
                   env=dict(SHAPES_ROOT=data_dir + os.sep),
                   invocation=invocation, quiet=args.quiet)


if __name__ == '__main__':
    main()
