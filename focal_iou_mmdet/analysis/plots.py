"""PNG figures of runs grouped by detector (matplotlib, no display)."""
import math
import textwrap
from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from ..runs import RunResult  # noqa: E402
from ..utils.json_io import atomic_write  # noqa: E402
from .descriptive import MeanStd, mean_curve  # noqa: E402

#: the most cells a forest panel shows
MAX_FOREST_ROWS = 40
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


@dataclass
class ForestPanel:
    """One claim metric of a forest plot: a row per cell and the grid's
    aggregate ``(mean, low, high, iqm)`` (None: not enough data); the
    intervals' kind and level as they were computed."""
    metric: str
    rows: List[ForestRow]
    aggregate: Optional[Tuple[float, float, float, float]]
    cell_interval: str
    aggregate_interval: str


def _interval_text(mean, low, high) -> str:
    if low is None or not math.isfinite(low) or not math.isfinite(high):
        return f'{mean:+.2f}'
    return f'{mean:+.2f} [{low:+.2f}, {high:+.2f}]'


def _forest_panel(ax, panel: ForestPanel) -> None:
    colours = {'beats': 'tab:green', 'worse': 'tab:red'}
    rows = panel.rows[:MAX_FOREST_ROWS]
    labels, texts = [], []
    for i, (label, mean, low, high, verdict) in enumerate(rows):
        y = len(rows) - i + 1
        c = colours.get(verdict, 'tab:gray')
        if low is not None and math.isfinite(low) and math.isfinite(high):
            ax.plot([low, high], [y, y], color=c, lw=2)
        ax.plot([mean], [y], 's', color=c, ms=5)
        labels.append((y, label))
        texts.append((y, f'{_interval_text(mean, low, high)}  {verdict}'))
    if panel.aggregate is not None:
        m, lo, hi, iqm = panel.aggregate
        ax.fill([lo, m, hi, m], [0.5, 0.8, 0.5, 0.2], color='black')
        labels.append((0.5, 'grid mean'))
        texts.append((0.5, f'mean {_interval_text(m, lo, hi)}; '
                           f'IQM {iqm:+.2f}'))
    ax.axvline(0.0, color='0.4', lw=0.8)
    ax.set_yticks([y for y, _ in labels], [t for _, t in labels], fontsize=8)
    right = ax.secondary_yaxis('right')
    right.set_yticks([y for y, _ in texts], [t for _, t in texts],
                     fontsize=7)
    right.tick_params(length=0)
    ax.set(xlabel=f'Δ{panel.metric} (points); cells: {panel.cell_interval}'
           f' intervals; mean: {panel.aggregate_interval}',
           ylim=(-0.2, len(rows) + 1.8))
    ax.xaxis.label.set_size(8)
    ax.set_title(f'Δ{panel.metric}', fontsize=9)
    ax.grid(axis='x', alpha=0.3)


def plot_forest(panels: List[ForestPanel], path: str) -> str:
    """One panel per claim metric: a row per cell with its paired
    difference and interval (coloured by its verdict after Holm), the
    difference, interval and verdict printed at the right, and the grid's
    mean as a diamond (its IQM beside it); the zero line."""
    n = max([len(p.rows[:MAX_FOREST_ROWS]) for p in panels] + [1])
    fig, axes = plt.subplots(len(panels), 1, squeeze=False,
                             figsize=(11.5, len(panels) * (1.3 + 0.32 * (n + 2))))
    for ax, panel in zip(axes[:, 0], panels):
        _forest_panel(ax, panel)
    return _save(fig, path, 'Per cell and over the grid (green: beats, red: '
                 'worse, after Holm)', [])


#: (metric, epochs, mean, low, high): a comparison's paired difference of
#: one metric per epoch with its interval (low/high None where there is
#: none)
PairedSeries = Tuple[str, list, list, list, list]
#: (label, [series]): one comparison's panel
PairedCurve = Tuple[str, List[PairedSeries]]


def _series(ax, series: PairedSeries, title: str, interval: str) -> None:
    metric, epochs, mean, low, high = series
    ax.axhline(0.0, color='0.4', lw=0.8)
    ax.plot(epochs, mean, marker='o', ms=3, label=f'mean Δ{metric}')
    ok = [i for i, lo in enumerate(low) if lo is not None
          and math.isfinite(lo) and math.isfinite(high[i])]
    if ok:
        ax.fill_between([epochs[i] for i in ok], [low[i] for i in ok],
                        [high[i] for i in ok], alpha=0.25,
                        label=f'{interval} interval')
    ax.set(xlabel='epoch', ylabel=f'Δ{metric} (points)',
           title=textwrap.fill(title, 45))
    ax.title.set_size(9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)


def plot_paired_curves(curves: List[PairedCurve], path: str,
                       interval: str = '95% t') -> str:
    """Per comparison (a column of panels, titled by its cell): the
    paired Δ of each metric at each epoch with its ``interval`` over the
    seed pairs (named with its kind and level), and the zero line."""
    notes = []
    if len(curves) > MAX_PANELS:
        notes.append(f'{MAX_PANELS} of {len(curves)} comparisons')
        curves = curves[:MAX_PANELS]
    per = max([len(series) for _, series in curves] + [1])
    fig, axes, cols = _grid(len(curves), per, 4.5, 3.0 * per)
    for k, (label, series) in enumerate(curves):
        for r in range(per):
            ax = axes[(k // cols) * per + r][k % cols]
            if r < len(series):
                _series(ax, series[r], label, interval)
            else:
                ax.axis('off')
    metrics = ', '.join(dict.fromkeys(s[0] for _, ser in curves
                                      for s in ser))
    return _save(fig, path, f'paired Δ per epoch ({metrics})', notes)
