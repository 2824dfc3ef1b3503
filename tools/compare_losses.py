"""Train configs side by side over seeds and report mean ± std per metric.

    python tools/compare_losses.py BASELINE_CONFIG VARIANT_CONFIG [...]
        [--seeds 0 1 2] [--epochs 12] [--work-dir DIR] [--data-root DIR]
        [--cfg-options k=v ...]

The first config is the baseline.  Configs are paths or file names under
configs/.  ``--data-root`` moves the CPU datasets (sets AQUARIUM_ROOT and
SHAPES_ROOT).  Re-running skips finished runs and resumes interrupted ones.
Example, the real Aquarium photos (../shared/datasets/aquarium):

    python tools/compare_losses.py \\
        retinanet_r18-c16_fpn_iou_12e_aquarium.py \\
        retinanet_r18-c16_fpn_focal-iou_12e_aquarium.py --seeds 0 1 2
"""
import argparse
import os
import os.path as osp
import re
import shlex
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from focal_iou_mmdet.analysis import RunSpec, compare  # noqa: E402

LOSS_TOKEN = re.compile(r'_((?:focal-)?[a-z]*iou)_')


def label_of(config: str) -> str:
    m = LOSS_TOKEN.search(osp.basename(config))
    return m.group(1) if m else osp.splitext(osp.basename(config))[0]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('configs', nargs='+')
    p.add_argument('--seeds', type=int, nargs='+', default=[0])
    p.add_argument('--epochs', type=int, default=12)
    p.add_argument('--work-dir', default='work_dirs/compare')
    p.add_argument('--data-root', default=None)
    p.add_argument('--cfg-options', nargs='+', default=[])
    p.add_argument('--quiet', action='store_true')
    args = p.parse_args(argv)
    if len(args.configs) < 2:
        p.error('give a baseline config and at least one variant')
    labels = [label_of(c) for c in args.configs]
    if len(set(labels)) != len(labels):
        p.error(f'configs must differ in their loss token, got {labels}')
    env = {}
    if args.data_root:
        root = osp.abspath(args.data_root) + os.sep
        env = dict(AQUARIUM_ROOT=root, SHAPES_ROOT=root)
    specs = [RunSpec(label, cfg, seed)
             for label, cfg in zip(labels, args.configs)
             for seed in args.seeds]
    title = (f'{" vs ".join(labels)}: {len(args.seeds)} seed(s), '
             f'{args.epochs} epochs')
    invocation = ' '.join(shlex.quote(a) for a in [sys.executable] + sys.argv)
    compare(specs, osp.abspath(args.work_dir), args.epochs, labels[0], title,
            args.cfg_options, env, invocation, args.quiet)


if __name__ == '__main__':
    main()
