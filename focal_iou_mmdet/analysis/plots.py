"""PNG figures of a loss comparison (matplotlib, no display needed)."""
import textwrap
from typing import Dict, List

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from .results import RunResult  # noqa: E402


def mean_curve(curves: List[Dict[int, float]]):
    """``(epochs, means, stds)`` over the curves (``{epoch: value}``) that
    have each epoch."""
    epochs = sorted(set().union(*curves)) if curves else []
    xs, means, stds = [], [], []
    for e in epochs:
        vals = [c[e] for c in curves if e in c]
        m = sum(vals) / len(vals)
        s = (sum((v - m)**2 for v in vals) / (len(vals) - 1))**0.5 \
            if len(vals) > 1 else 0.0
        xs.append(e)
        means.append(m)
        stds.append(s)
    return xs, means, stds


def plot_curves(grouped: Dict[str, List[RunResult]], path: str,
                title: str = '') -> str:
    """Training box loss and validation AP against epoch, one line per
    label (mean over seeds, band = 1 std)."""
    fig, (ax_loss, ax_ap) = plt.subplots(1, 2, figsize=(11, 4))
    for label, results in grouped.items():
        for ax, curves, scale in (
            (ax_loss, [r.train_loss_by_epoch('loss_bbox') for r in results],
             1.0),
            (ax_ap, [{e: v['coco/bbox_mAP'] for e, v in r.val.items()}
                     for r in results], 100.0),
        ):
            xs, m, s = mean_curve(curves)
            if not xs:
                continue
            m = [v * scale for v in m]
            s = [v * scale for v in s]
            line, = ax.plot(xs, m, marker='o', ms=3, label=label)
            if any(s):
                ax.fill_between(xs, [a - b for a, b in zip(m, s)],
                                [a + b for a, b in zip(m, s)],
                                color=line.get_color(), alpha=0.2)
    ax_loss.set(xlabel='epoch', ylabel='train loss_bbox (epoch mean)',
                title='box loss (each loss has its own scale)')
    ax_ap.set(xlabel='epoch', ylabel='val AP (%)', title='COCO AP on val')
    for ax in (ax_loss, ax_ap):
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_ap_by_size(rows: List[dict], path: str, title: str = '') -> str:
    """Grouped bars of AP_s / AP_m / AP_l (mean, error bar = std)."""
    rows = [r for r in rows if not r.get('delta')]
    sizes = [m for m in ('AP_s', 'AP_m', 'AP_l')
             if any(r[m][0] is not None for r in rows)]
    fig, ax = plt.subplots(figsize=(6, 4))
    width = 0.8 / max(len(rows), 1)
    for i, r in enumerate(rows):
        xs = [j + (i - (len(rows) - 1) / 2) * width for j in range(len(sizes))]
        means = [(r[m][0] or 0) * 100 for m in sizes]
        errs = [(r[m][1] or 0) * 100 for m in sizes]
        bars = ax.bar(xs, means, width, yerr=errs, capsize=3,
                      label=r['label'])
        ax.bar_label(bars, fmt='%.1f', fontsize=8)
    ax.set_xticks(range(len(sizes)), sizes)
    ax.set_ylabel('AP (%)')
    ax.set_title(textwrap.fill(
        'AP by object size (COCO areas)' + (f': {title}' if title else ''),
        60), fontsize=9)
    ax.grid(axis='y', alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
