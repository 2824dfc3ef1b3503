"""Reproduce the DIoU paper's regression simulation (the authors' headline
figure): total error vs iteration for IoU, GIoU, DIoU, CIoU and their focal
versions.  Writes ``errors.csv`` (iteration, one column per loss),
``simulation.png`` (curves + the anchor/target layout) and
``per_anchor_error.png`` (final error per anchor centre, one map per loss),
and prints a table next to the published values and the total time.

    python tools/analysis_tools/simulate_regression.py [--out-dir DIR]
        [--gradients paper|autograd] [--focal-reading full|weight]
        [--losses iou giou ...] [--iters 200] [--points 5000] [--seed 0]
        [--dtype float32|float64] [--compile auto|on|off]

``--gradients paper`` (default): the DIoU authors' hand-written gradient
rules (focal_iou_mmdet/analysis/paper_gradients.py); ``autograd``: the exact
gradient through our loss modules.  ``--focal-reading``: how a focal loss
scales the paper step, ``full`` (chain rule through the focal factor) or
``weight`` (the factor as a constant).
"""
import argparse
import csv
import os
import os.path as osp
import time

import torch

from focal_iou_mmdet.analysis.simulation import (
    DEFAULT_LOSSES, SIM_LOSSES, first_below, make_cases, run_simulation)

REPORT_ITERS = (1, 10, 50, 100, 160, 200)
# the DIoU paper's figure (its hand-written gradients); '' = not given
PUBLISHED = {
    'iou': {1: '6.6e6', 50: '6.0e6', 160: '5.9e6', 200: '5.9e6'},
    'giou': {1: '6.4e6', 50: '3.3e6', 160: '1.9e6', 200: '1.5e6'},
    'diou': {1: '6.35e6', 50: '5.3e5', 160: '4.0e5', 200: '4e3'},
    'ciou': {1: '6.3e6', 50: '4.3e5', 160: '3.9e5', 200: '4e3'},
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--losses', nargs='+', default=list(DEFAULT_LOSSES),
                   choices=sorted(SIM_LOSSES))
    p.add_argument('--iters', type=int, default=200)
    p.add_argument('--points', type=int, default=5000)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--dtype', choices=('float32', 'float64'),
                   default='float32')
    p.add_argument('--out-dir', default='work_dirs/simulation')
    p.add_argument('--compile', choices=('auto', 'on', 'off'),
                   default='auto',
                   help='torch.compile the steps (auto: from 100,000 cases)')
    p.add_argument('--gradients', choices=('paper', 'autograd'),
                   default='paper')
    p.add_argument('--focal-reading', choices=('full', 'weight'),
                   default='full')
    args = p.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    n = args.points * 7 * 7 * 7
    print(f'{n:,} regression cases x {args.iters} iterations, '
          f'{len(args.losses)} losses, {args.gradients} gradients'
          + (f' (focal reading: {args.focal_reading})'
             if args.gradients == 'paper' else '')
          + f', {args.dtype}, {torch.get_num_threads()} threads', flush=True)
    start = time.perf_counter()
    res = run_simulation(args.losses, args.points, args.iters, args.seed,
                         getattr(torch, args.dtype),
                         compile=dict(auto=None, on=True,
                                      off=False)[args.compile],
                         gradients=args.gradients,
                         reading=args.focal_reading)
    total = time.perf_counter() - start

    csv_path = osp.join(args.out_dir, 'errors.csv')
    with open(csv_path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['iteration'] + args.losses)
        for k in range(args.iters + 1):
            w.writerow([k] + [f'{res[l]["errors"][k]:.6e}'
                              for l in args.losses])  # noqa: E741

    iters = [k for k in REPORT_ITERS if k <= args.iters]
    head = ['loss'] + [f'it {k}' for k in iters] + ['<10% at', 'seconds']
    rows = []
    for name in args.losses:
        e = res[name]['errors']
        below = first_below(e)
        rows.append([name] + [f'{e[k]:.2e}' for k in iters] +
                    ['never' if below is None else str(below),
                     f'{res[name]["seconds"]:.1f}'])
        if name in PUBLISHED and args.points == 5000:
            rows.append(['  published'] +
                        [PUBLISHED[name].get(k, '') for k in iters] + ['', ''])
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    for r in [head] + rows:
        print('  '.join(c.rjust(w) if i else c.ljust(w)
                        for i, (c, w) in enumerate(zip(r, widths))))
    print(f'total {total:.1f} s for {len(args.losses)} losses '
          f'({torch.get_num_threads()} threads); csv: {csv_path}')
    png = plot(res, args, osp.join(args.out_dir, 'simulation.png'))
    maps = plot_per_anchor(res, args,
                           osp.join(args.out_dir, 'per_anchor_error.png'))
    print(f'figures: {png}, {maps}')
    return res


def plot(res, args, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.5),
                                  gridspec_kw=dict(width_ratios=[2, 1]))
    for name, r in res.items():
        ax.plot(range(len(r['errors'])), r['errors'], label=name,
                ls='--' if name.startswith('focal') else '-')
    ax.set(yscale='log', xlabel='iteration', ylabel='total error',
           title=f'regression simulation ({args.points * 343:,} cases)')
    ax.grid(alpha=0.3, which='both')
    ax.legend()
    anchors, targets, centres = make_cases(min(args.points, 5000), args.seed)
    ax2.scatter(centres[:, 0], centres[:, 1], s=1, alpha=0.4,
                label='anchor centres')
    for t in targets[:7]:
        cx, cy, w, h = t.tolist()
        ax2.add_patch(plt.Rectangle((cx - w / 2, cy - h / 2), w, h,
                                    fill=False, color='red'))
    ax2.set(aspect='equal', title='anchors (points) and the 7 targets')
    ax2.legend(loc='upper right', fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_per_anchor(res, args, path):
    """The DIoU paper's per-anchor view: the final error summed over the 343
    cases at each anchor centre, one small map per loss, one colour scale
    (log) for all."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    _, _, centres = make_cases(args.points, args.seed)
    values = {k: r['per_point'].clamp(min=1e-6).numpy()
              for k, r in res.items()}
    low = min(v.min() for v in values.values())
    high = max(v.max() for v in values.values())
    cols = min(4, len(values))
    rows = -(-len(values) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3 * rows),
                             squeeze=False)
    norm = LogNorm(vmin=max(low, high * 1e-6), vmax=high)
    for ax, (name, v) in zip(axes.flat, values.items()):
        art = ax.scatter(centres[:, 0], centres[:, 1], c=v, s=2, norm=norm,
                         cmap='viridis')
        ax.set(aspect='equal', title=f'{name}\nsum {v.sum():.2e}',
               xticks=[], yticks=[])
    for ax in list(axes.flat)[len(values):]:
        ax.axis('off')
    for ax in axes.flat:
        ax.title.set_fontsize(9)
    fig.colorbar(art, ax=axes, shrink=0.8,
                 label='final error at the anchor centre (343 cases)')
    fig.suptitle(f'final error per anchor centre after {args.iters} '
                 f'iterations ({args.gradients} gradients)', fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


if __name__ == '__main__':
    main()
