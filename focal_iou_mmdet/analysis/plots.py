"""PNG figures of runs grouped by detector (matplotlib, no display)."""
import math
import textwrap
from typing import Dict, List, Set, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from ..runs import RunResult  # noqa: E402
from ..utils.json_io import atomic_write  # noqa: E402
from .descriptive import MeanStd, mean_curve  # noqa: E402

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


#: a figure shows at most this many detector panels, this many per row,
#: and this many labels per panel (the best by the final metric): readable
#: at any sweep size; the report's table has every group
MAX_PANELS, PANELS_PER_ROW, MAX_LABELS = 12, 4, 8


def _final(curves) -> float:
    """Mean final value of a label's curves (for ranking labels)."""
    finals = [c[max(c)] for c in curves if c]
    return sum(finals) / len(finals) if finals else float('-inf')


def limit_panels(panels: dict, key, keep: Set[str] = frozenset()
                 ) -> Tuple[dict, List[str]]:
    """At most MAX_PANELS panels of at most MAX_LABELS labels: those in
    ``keep`` (the baselines, which every other label is read against) and
    the best of the rest by ``key``, in their order; the notes say what
    was left out."""
    notes = []
    if len(panels) > MAX_PANELS:
        notes.append(f'{MAX_PANELS} of {len(panels)} detectors')
        panels = dict(list(panels.items())[:MAX_PANELS])
    out = {}
    for det, groups in panels.items():
        if len(groups) > MAX_LABELS:
            kept = [g for g in groups if g[0] in keep][:MAX_LABELS]
            rest = sorted((g for g in groups if g[0] not in keep), key=key,
                          reverse=True)[:MAX_LABELS - len(kept)]
            notes.append(f'{det}: ' + ('the baseline and ' if kept else '')
                         + f'the best {len(rest)} of '
                         f'{len(groups) - len(kept)}')
            groups = [g for g in groups
                      if any(g is c for c in kept + rest)]  # panel order
        out[det] = groups
    return out, notes


def _grid(n_panels: int, rows_per_panel: int, width: float, height: float):
    cols = min(n_panels, PANELS_PER_ROW)
    rows = -(-n_panels // cols)
    fig, axes = plt.subplots(rows * rows_per_panel, cols,
                             figsize=(width * cols, height * rows),
                             squeeze=False)
    for k in range(n_panels, rows * cols):  # unused cells of the last row
        for r in range(rows_per_panel):
            axes[(k // cols) * rows_per_panel + r][k % cols].axis('off')
    return fig, axes, cols


def _save(fig, path: str, title: str, notes: List[str]) -> str:
    if notes:
        title += ' (shown: ' + '; '.join(notes[:3]) + (
            '; ...' if len(notes) > 3 else '') + '; results.md has all)'
    if title:
        fig.suptitle(textwrap.fill(title, int(12 * fig.get_figwidth())),
                     fontsize=9)
    fig.tight_layout()
    with atomic_write(path, 'wb') as f:
        fig.savefig(f, format='png', dpi=110)
    plt.close(fig)
    return path


def plot_training_curves(panels: CurvePanels, path: str, title: str = '',
                         metric: str = 'AP',
                         keep: Set[str] = frozenset()) -> str:
    """Per detector (a panel of two plots): the primary val metric
    (``metric``, as the runs' evaluator names it) and the training box loss
    against epoch, a line per label (mean over seeds, band = 1 std)."""
    panels, notes = limit_panels(
        panels, lambda g: _final([r.curve() for r in g[1]]), keep)
    fig, axes, cols = _grid(len(panels), 2, 5.5, 7.5)
    for k, (det, groups) in enumerate(panels.items()):
        row, col = (k // cols) * 2, k % cols
        ax_ap, ax_loss = axes[row][col], axes[row + 1][col]
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
    return _save(fig, path, title, notes)


def plot_ap_by_size(panels: SizePanels, path: str, title: str = '',
                    keep: Set[str] = frozenset()) -> str:
    """Per detector: grouped bars of AP_s / AP_m / AP_l per label (final
    epoch, error bar = std over seeds)."""
    panels, notes = limit_panels(
        panels, lambda g: g[1].get('AP_s', (None,))[0] or 0.0, keep)
    width = max(6, 1.2 * max(len(g) for g in panels.values()) + 3)
    fig, axes, cols = _grid(len(panels), 1, width, 4)
    for k, (det, groups) in enumerate(panels.items()):
        _size_bars(axes[k // cols][k % cols], det, groups)
    return _save(fig, path, 'AP by object size (COCO areas), final epoch'
                 + (f': {title}' if title else ''), notes)


def _size_bars(ax, det, groups) -> None:
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


#: (label, verdict, n, mean, low, high): one comparison's confidence
#: sequence seed by seed (:func:`.sequential.sequence_path`)
SequencePath = Tuple[str, str, list, list, list, list]


def plot_confidence_sequences(paths: List[SequencePath], path: str,
                              title: str = '', metric: str = 'AP',
                              level: str = '95%') -> str:
    """Per comparison (a panel): the paired difference's running mean and
    its anytime-valid interval against the seeds spent, with the zero
    line; where the interval is still the whole line nothing is drawn."""
    notes = []
    if len(paths) > MAX_PANELS:
        notes.append(f'{MAX_PANELS} of {len(paths)} comparisons')
        paths = paths[:MAX_PANELS]
    fig, axes, cols = _grid(len(paths), 1, 4.5, 3.4)
    for k, one in enumerate(paths):
        _sequence_panel(axes[k // cols][k % cols], one, metric, level)
    return _save(fig, path, f'anytime-valid {level} confidence sequences'
                 + (f': {title}' if title else ''), notes)


def _sequence_panel(ax, one: SequencePath, metric: str, level: str) -> None:
    label, verdict, n, mean, low, high = one
    bounded = [i for i in range(len(n))
               if math.isfinite(low[i]) and math.isfinite(high[i])]
    ax.axhline(0.0, color='0.4', lw=0.8)
    ax.plot(n, mean, marker='o', ms=3, label=f'mean Δ{metric}')
    if bounded:
        ax.fill_between([n[i] for i in bounded], [low[i] for i in bounded],
                        [high[i] for i in bounded], alpha=0.25,
                        label=f'anytime {level}')
    first = n[bounded[0]] if bounded else None
    ax.set(xlabel='seeds', ylabel=f'Δ{metric} (points)',
           title=textwrap.fill(f'{label}: {verdict}', 45))
    ax.set_xticks(list(n))
    if first != n[0]:
        ax.text(0.02, 0.02, 'unbounded before n = '
                f'{first if first else n[-1] + 1}', fontsize=7,
                transform=ax.transAxes)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc='upper right')


#: (label, mean, low, high, verdict): one row of a forest plot (low/high
#: None: no interval)
ForestRow = Tuple[str, float, object, object, str]


def plot_forest(rows: List[ForestRow], aggregate, path: str,
                metric: str = 'AP', interval: str = '95% t') -> str:
    """One row per cell: its paired difference and interval, coloured by
    verdict; the grid's aggregate ``(mean, low, high)`` (or None) as a
    diamond at the bottom; the zero line."""
    rows = rows[:40]
    fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.35 * (len(rows) + 2)))
    colours = {'beats': 'tab:green', 'worse': 'tab:red'}
    for i, (label, mean, low, high, verdict) in enumerate(rows):
        y = len(rows) - i + 1
        c = colours.get(verdict, 'tab:gray')
        if low is not None and math.isfinite(low) and math.isfinite(high):
            ax.plot([low, high], [y, y], color=c, lw=2)
        ax.plot([mean], [y], 's', color=c, ms=5)
    if aggregate is not None:
        m, lo, hi = aggregate
        ax.fill([lo, m, hi, m], [0.5, 0.8, 0.5, 0.2], color='black')
    ax.axvline(0.0, color='0.4', lw=0.8)
    ax.set_yticks([len(rows) - i + 1 for i in range(len(rows))]
                  + ([0.5] if aggregate is not None else []),
                  [textwrap.shorten(r[0], 60) for r in rows]
                  + (['aggregate'] if aggregate is not None else []),
                  fontsize=8)
    ax.set(xlabel=f'Δ{metric} (points), {interval} interval',
           ylim=(-0.2, len(rows) + 1.8))
    ax.grid(axis='x', alpha=0.3)
    return _save(fig, path, f'Δ{metric} per cell (green: beats, red: '
                 'worse, after Holm) and the grid aggregate', [])


#: (label, epochs, mean, low, high): a comparison's paired difference per
#: epoch with its interval (low/high None where there is none)
PairedCurve = Tuple[str, list, list, list, list]


def plot_paired_curves(curves: List[PairedCurve], path: str,
                       metric: str = 'AP', interval: str = '95% t') -> str:
    """Per comparison (a panel): the paired Δ of the metric at each epoch
    with its interval over the seed pairs, and the zero line."""
    notes = []
    if len(curves) > MAX_PANELS:
        notes.append(f'{MAX_PANELS} of {len(curves)} comparisons')
        curves = curves[:MAX_PANELS]
    fig, axes, cols = _grid(len(curves), 1, 4.5, 3.2)
    for k, (label, epochs, mean, low, high) in enumerate(curves):
        ax = axes[k // cols][k % cols]
        ax.axhline(0.0, color='0.4', lw=0.8)
        ax.plot(epochs, mean, marker='o', ms=3, label=f'mean Δ{metric}')
        ok = [i for i, lo in enumerate(low) if lo is not None
              and math.isfinite(lo) and math.isfinite(high[i])]
        if ok:
            ax.fill_between([epochs[i] for i in ok], [low[i] for i in ok],
                            [high[i] for i in ok], alpha=0.25,
                            label=interval)
        ax.set(xlabel='epoch', ylabel=f'Δ{metric} (points)',
               title=textwrap.fill(label, 45))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _save(fig, path, f'paired Δ{metric} per epoch', notes)
