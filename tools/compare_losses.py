"""Train configs that differ in their box loss side by side over seeds and
report mean ± std per metric and the difference to the first (baseline).

    python tools/compare_losses.py BASELINE_CONFIG VARIANT_CONFIG [...]
        [--seeds 0 1 2] [--epochs 12] [--work-dir DIR] [--data-root DIR]
        [--cfg-options k=v ...] [--jobs N]

Configs are paths or file names under configs/, named alike but for the
loss token (``..._iou_...`` vs ``..._focal-iou_...``; a config without one
is mmdet's own loss, ``baseline``).  ``--data-root`` moves the CPU datasets
(sets AQUARIUM_ROOT and SHAPES_ROOT).  It is a one-axis sweep: re-running
skips finished runs and resumes interrupted ones.  Example:

    python tools/compare_losses.py \\
        retinanet_r18-c16_fpn_iou_12e_aquarium.py \\
        retinanet_r18-c16_fpn_focal-iou_12e_aquarium.py --seeds 0 1 2
"""
import argparse
import os
import os.path as osp
import re
import sys
import warnings

import yaml

from focal_iou_mmdet.models.losses.box_iou import IOU_VARIANTS
from focal_iou_mmdet.sweep import SweepSpecError
from focal_iou_mmdet.sweep.launchers import LocalLauncher
from focal_iou_mmdet.sweep.one_axis_sweep import comparison_spec, run_comparison

#: a loss in a config name: an IoU variant (the one record of them,
#: ``box_iou.IOU_VARIANTS``), with or without ``focal-``
LOSS_TOKEN = re.compile(r'_((?:focal-)?(?:%s))_' % '|'.join(
    sorted(IOU_VARIANTS, key=len, reverse=True)))


def loss_and_template(config: str):
    """``('focal-iou', '.../retinanet_{loss}_12e_x.py')``; a config without
    a loss token is the ``baseline`` of the configs named after it."""
    folder, name = osp.split(config)
    m = LOSS_TOKEN.search(name)
    if m is None:
        return 'baseline', None
    tmpl = name[:m.start()] + '_{loss}_' + name[m.end():]
    return m.group(1), osp.join(folder, tmpl)


def parse_options(items):
    out = {}
    for item in items:
        key, sep, value = item.partition('=')
        if not sep:
            raise SystemExit(f'error: --cfg-options {item!r}: expected '
                             'key=value')
        out[key] = yaml.safe_load(value)
    return out


def main(argv=None):
    # mmengine's `mmdet::` config lookup imports the deprecated pkg_resources
    warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('configs', nargs='+')
    p.add_argument('--seeds', type=int, nargs='+', default=[0])
    p.add_argument('--epochs', type=int, default=12)
    p.add_argument('--work-dir', default='work_dirs/compare')
    p.add_argument('--data-root', default=None)
    p.add_argument('--cfg-options', nargs='+', default=[])
    p.add_argument('--jobs', type=int, default=1, help='runs at a time')
    args = p.parse_args(argv)
    if len(args.configs) < 2:
        p.error('give a baseline config and at least one variant')
    parsed = [loss_and_template(c) for c in args.configs]
    losses = [loss for loss, _ in parsed]
    templates = {t for _, t in parsed if t}
    if len(set(losses)) != len(losses) or len(templates) != 1:
        p.error('the configs must differ in their loss token alone, got '
                f'{args.configs}')
    template = templates.pop()
    env = {}
    if args.data_root:
        root = osp.abspath(args.data_root) + os.sep
        env = dict(AQUARIUM_ROOT=root, SHAPES_ROOT=root)
    detector = osp.basename(template).split('_')[0]
    try:
        spec = comparison_spec(
            osp.basename(osp.normpath(args.work_dir)),
            osp.abspath(args.work_dir), detector, template, losses,
            args.seeds, args.epochs, parse_options(args.cfg_options), env,
            source=__file__)
        run_comparison(spec, LocalLauncher(args.jobs))
    except (RuntimeError, SweepSpecError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
