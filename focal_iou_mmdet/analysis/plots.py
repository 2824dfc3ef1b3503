"""PNG figures of runs grouped by detector (matplotlib, no display)."""
import textwrap
from typing import Dict, List, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from ..runs import RunResult  # noqa: E402
from .stats import MeanStd, mean_curve  # noqa: E402

#: detector -> [(label, the label's runs over seeds)]
CurvePanels = Dict[str, List[Tuple[str, List[RunResult]]]]
#: detector -> [(label, {'AP_s': (mean, std), 'AP_m': ..., 'AP_l': ...})]
SizePanels = Dict[str, List[Tuple[str, Dict[str, MeanStd]]]]


def _line(ax, curves, label, scale=1.0):
    xs, m, s = mean_curve([c for c in curves if c])
    if not xs:
        return
    m = [v * scale for v in m]
    s = [v * scale for v in s]
    line, = ax.plot(xs, m, marker='o', ms=3,
                    label=f'{label} (n={sum(1 for c in curves if c)})')
    if any(s):
        ax.fill_between(xs, [a - b for a, b in zip(m, s)],
                        [a + b for a, b in zip(m, s)],
                        color=line.get_color(), alpha=0.2)


def plot_training_curves(panels: CurvePanels, path: str, title: str = '',
                         metric: str = 'AP') -> str:
    """Per detector (a column): the primary val metric (``metric``, as the
    runs' evaluator names it) and the training box loss against epoch, a
    line per label (mean over seeds, band = 1 std)."""
    fig, axes = plt.subplots(2, len(panels),
                             figsize=(5.5 * len(panels), 7.5), squeeze=False)
    for col, (det, groups) in enumerate(panels.items()):
        ax_ap, ax_loss = axes[0][col], axes[1][col]
        for label, results in groups:
            _line(ax_ap, [r.curve() for r in results], label, 100.0)
            _line(ax_loss, [r.train_loss_by_epoch('loss_bbox')
                            for r in results], label)
        ax_ap.set(title=det, xlabel='epoch', ylabel=f'val {metric} (%)')
        ax_loss.set(xlabel='epoch', ylabel='train loss_bbox (epoch mean)',
                    title='box loss (each loss has its own scale)')
        for ax in (ax_ap, ax_loss):
            ax.grid(alpha=0.3)
            if ax.lines:
                ax.legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_ap_by_size(panels: SizePanels, path: str, title: str = '') -> str:
    """Per detector: grouped bars of AP_s / AP_m / AP_l per label (final
    epoch, error bar = std over seeds)."""
    fig, axes = plt.subplots(1, len(panels),
                             figsize=(max(6, 1.2 * max(
                                 len(g) for g in panels.values()) + 3) *
                                 len(panels), 4), squeeze=False)
    for ax, (det, groups) in zip(axes[0], panels.items()):
        sizes = [m for m in ('AP_s', 'AP_m', 'AP_l')
                 if any(v[m][0] is not None for _, v in groups)]
        width = 0.8 / max(len(groups), 1)
        for i, (label, values) in enumerate(groups):
            xs = [j + (i - (len(groups) - 1) / 2) * width
                  for j in range(len(sizes))]
            bars = ax.bar(xs, [values[m][0] or 0 for m in sizes], width,
                          yerr=[values[m][1] or 0 for m in sizes], capsize=3,
                          label=label)
            ax.bar_label(bars, fmt='%.1f', fontsize=7)
        ax.set_xticks(range(len(sizes)), sizes)
        ax.set(ylabel='AP (%)', title=det)
        ax.grid(axis='y', alpha=0.3)
        if ax.patches:
            ax.legend(fontsize=7)
    fig.suptitle(textwrap.fill('AP by object size (COCO areas), final epoch'
                               + (f': {title}' if title else ''), 90),
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
