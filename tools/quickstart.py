"""The main job: train a small detector on CPU with a box-loss baseline and
its Focal-IoU variant on the embedded shapes set, and show the difference
(a table, ``results.md`` and PNG plots in the work dir).

    python tools/quickstart.py [--detector retinanet|ssd] [--baseline iou]
        [--focal focal-iou] [--epochs 12] [--seeds 0 ...] [--jobs N]

No dataset, GPU or download: the set is generated on first use
(focal_iou_mmdet.datasets.shapes).  The comparison is a one-axis sweep
(focal_iou_mmdet.sweep.one_axis_sweep): re-running skips finished runs and
resumes an interrupted one.  ``--smoke`` is the seconds-long version CI runs.
"""
import argparse
import os
import os.path as osp
import sys
import warnings

from focal_iou_mmdet.datasets import generate_shapes_dataset
from focal_iou_mmdet.runs import TINY_RUN_OPTIONS
from focal_iou_mmdet.sweep import SweepSpecError
from focal_iou_mmdet.sweep.launchers import LocalLauncher
from focal_iou_mmdet.sweep.one_axis_sweep import comparison_spec, run_comparison

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
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    p.add_argument('--work-dir', default='work_dirs/quickstart')
    p.add_argument('--data-dir', default='work_dirs/data/shapes')
    p.add_argument('--num-train', type=int, default=256)
    p.add_argument('--num-val', type=int, default=128)
    p.add_argument('--jobs', type=int, default=min(2, os.cpu_count() or 1),
                   help='runs at a time (they share the CPU cores)')
    p.add_argument('--smoke', action='store_true',
                   help='seconds-long check: 8/4 images, 1 epoch, 1 seed')
    return p.parse_args(argv)


def main(argv=None):
    # mmengine's `mmdet::` config lookup imports the deprecated pkg_resources
    warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
    args = parse_args(argv)
    options = {}
    if args.smoke:
        args.num_train, args.num_val, args.epochs = 8, 4, 1
        args.seeds = args.seeds[:1]
        options = TINY_RUN_OPTIONS
    data_dir = osp.abspath(args.data_dir)
    print(f'dataset: {data_dir} ({args.num_train} train / {args.num_val} val '
          'images, generated on first use)', flush=True)
    generate_shapes_dataset(data_dir, args.num_train, args.num_val)
    # the shapes configs read the data root from the launching environment
    # (a spec's env: never names a path); the runs inherit it
    os.environ['SHAPES_ROOT'] = data_dir + os.sep
    try:
        spec = comparison_spec(
            'quickstart', osp.abspath(args.work_dir), args.detector,
            f'{DETECTORS[args.detector]}_{{loss}}_12e_shapes.py',
            [args.baseline, args.focal], args.seeds, args.epochs, options,
            source=__file__)
        run_comparison(spec, LocalLauncher(args.jobs))
    except (RuntimeError, SweepSpecError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
