"""The "dynamic learning rate" picture: loss and gradient magnitude w.r.t.
the predicted box as a function of IoU, for each base loss and its focal
version, and the ratio focal/base.  A unit box is shifted along x (controlled
offsets) so its IoU with the target runs from 1 down to 0.  PNG + CSV.

    python tools/analysis_tools/analyze_gradients.py [--bases iou giou diou ciou] [--out-dir DIR]
"""
import argparse
import csv
import os
import os.path as osp

import torch

from focal_iou_mmdet.models.losses import FocalIoULoss, iou_terms

BASES = ('iou', 'giou', 'diou', 'ciou')


def curves(base: str, steps: int = 200):
    """Rows (offset, IoU, loss, |grad|) for plain and focal ``base``."""
    # target: unit box; prediction: a 1 x 0.8 box (aspect differs, so CIoU's
    # shape term is active) shifted right by 0 .. 1.2
    offsets = torch.linspace(0.0, 1.2, steps, dtype=torch.float64)
    target = torch.tensor([[0.0, 0.0, 1.0, 1.0]], dtype=torch.float64)
    pred = torch.stack([offsets, torch.zeros_like(offsets), offsets + 1.0,
                        torch.full_like(offsets, 0.8)], -1)
    out = {}
    for kind, kw in (('plain', dict(gamma=0.0, scale=1.0)), ('focal', {})):
        p = pred.clone().requires_grad_(True)
        loss = FocalIoULoss(iou_variant=base, reduction='none', **kw)(
            p, target.expand_as(p))
        grad, = torch.autograd.grad(loss.sum(), p)
        out[kind] = (loss.detach(), grad.norm(dim=-1))
    iou = iou_terms(pred, target.expand_as(pred), 'iou').iou
    return offsets, iou, out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--bases', nargs='+', default=list(BASES), choices=BASES)
    p.add_argument('--out-dir', default='work_dirs/gradients')
    args = p.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    csv_path = osp.join(args.out_dir, 'gradients.csv')
    with open(csv_path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['base', 'offset', 'iou', 'loss', 'focal_loss', 'grad',
                    'focal_grad', 'grad_ratio'])
        for base in args.bases:
            offsets, iou, out = curves(base)
            (l0, g0), (l1, g1) = out['plain'], out['focal']
            ratio = torch.where(g0 > 0, g1 / g0.clamp(min=1e-12),
                                torch.full_like(g0, float('nan')))
            for row in zip(offsets, iou, l0, l1, g0, g1, ratio):
                w.writerow([base] + [f'{float(v):.6g}' for v in row])
            line, = axes[0].plot(iou, l0, label=base)
            axes[0].plot(iou, l1, ls='--', color=line.get_color(),
                         label=f'focal-{base}')
            axes[1].plot(iou, g0, color=line.get_color(), label=base)
            axes[1].plot(iou, g1, ls='--', color=line.get_color(),
                         label=f'focal-{base}')
            axes[2].plot(iou, ratio, color=line.get_color(),
                         label=f'focal-{base} / {base}')
    axes[0].set(xlabel='IoU', ylabel='loss', title='loss')
    axes[1].set(xlabel='IoU', ylabel='|dL/dbox|', title='gradient magnitude')
    axes[2].set(xlabel='IoU', ylabel='ratio',
                title='focal / base gradient ("learning-rate" factor)')
    axes[2].axhline(1.0, color='gray', lw=0.8)
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        ax.invert_xaxis()  # regression goes from low to high IoU: read
    fig.suptitle('1x0.8 box sliding off a unit target (IoU 1 -> 0); '
                 'focal: seed constants')
    fig.tight_layout()
    png = osp.join(args.out_dir, 'gradients.png')
    fig.savefig(png, dpi=110)
    plt.close(fig)
    print(f'csv: {csv_path}\nfigure: {png}')


if __name__ == '__main__':
    main()
