"""Aggregate a sweep from mmengine's JSON outputs (``scalars.json``), never
from logs: ``results.csv`` (one row per run), ``results.md`` (mean ± std
over seeds, delta vs the baseline loss of the same detector) and PNG plots.
A partial sweep reports what is finished and lists what is missing.
"""
import csv
import os.path as osp
import time
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

from ..analysis.compare import format_mean_std, mean_std
from ..analysis.plots import mean_curve
from ..analysis.results import COCO_KEYS, read_run
from .spec import Run, SweepSpec, config_key, relpath
from .state import counts, effective_states, fmt_duration, train_seconds

METRICS = list(COCO_KEYS.values())  # AP, AP50, AP75, AP_s, AP_m, AP_l


def _pct(v: Optional[float]) -> Optional[float]:
    return None if v is None else round(v * 100, 2)


def collect(spec: SweepSpec, runs: Sequence[Run]) -> List[dict]:
    """One record per run: axis values, state and its results so far."""
    states = effective_states([spec.run_dir(r.id) for r in runs])
    rows = []
    for run in runs:
        d = spec.run_dir(run.id)
        st = states[d]
        res = read_run(d)
        final = res.final
        aps = {e: v.get('coco/bbox_mAP', -1) for e, v in res.val.items()}
        best = max(aps, key=lambda e: aps[e]) if aps else None
        row = OrderedDict(run_id=run.id)
        row.update(run.values)
        row['state'] = st['state']
        for m in METRICS:
            row[m] = _pct(final.get(m))
        row['final_epoch'] = max(res.val) if res.val else None
        row['best_epoch'] = best
        row['best_AP'] = _pct(aps[best]) if best is not None else None
        row['train_time_s'] = train_seconds(st)
        row['attempts'] = st.get('attempts', 0)
        row['_curve'] = {e: v * 100 for e, v in sorted(aps.items())}
        rows.append(row)
    return rows


def write_csv(rows: List[dict], path: str) -> str:
    fields = [k for k in rows[0] if not k.startswith('_')]
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fields, extrasaction='ignore')
        w.writeheader()
        for r in rows:
            w.writerow({k: ('' if r[k] is None else r[k]) for k in fields})
    return path


def _group_axes(spec: SweepSpec) -> List[str]:
    return [a for a in spec.axes if config_key(a) != 'randomness.seed']


def group(spec: SweepSpec, rows: List[dict]) -> 'OrderedDict[Tuple, list]':
    """Runs that differ only in their seed, in plan order."""
    axes = _group_axes(spec)
    groups: 'OrderedDict[Tuple, list]' = OrderedDict()
    for r in rows:
        groups.setdefault(tuple(r[a] for a in axes), []).append(r)
    return groups


def _baseline_key(spec: SweepSpec, key: Tuple, keys: List[Tuple]):
    """The baseline group of the same detector that agrees with ``key`` on
    the most other axes (a focal-only axis such as gamma may not exist for
    the baseline loss)."""
    axes = _group_axes(spec)
    base_idx = {axes.index(a): v for a, v in spec.baseline.items()
                if a in axes}
    if not base_idx:
        return None
    cands = [k for k in keys
             if all(k[i] == v for i, v in base_idx.items()) and
             k[0] == key[0]]
    if not cands or key in cands:
        return None
    return max(cands, key=lambda k: sum(a == b for a, b in zip(k, key)))


def summarize(spec: SweepSpec, rows: List[dict]) -> List[dict]:
    groups = group(spec, rows)
    stats = OrderedDict()
    for key, members in groups.items():
        done = [r for r in members if r['state'] == 'done']
        s = dict(key=key, n=len(done), planned=len(members))
        for m in METRICS + ['train_time_s']:
            vals = [r[m] for r in done if r[m] is not None]
            s[m] = mean_std(vals) if vals else (None, None)
        stats[key] = s
    for key, s in stats.items():
        bkey = _baseline_key(spec, key, list(stats))
        s['baseline'] = bkey
        for m in ('AP', 'AP_s'):
            a = s[m][0]
            b = stats[bkey][m][0] if bkey else None
            s['d' + m] = None if a is None or b is None else a - b
    return list(stats.values())


def _value(v) -> str:
    """An axis value as printed (None: the config's own value)."""
    return 'default' if v is None else str(v)


def markdown_table(spec: SweepSpec, stats: List[dict]) -> str:
    axes = _group_axes(spec)
    head = axes + ['n'] + METRICS + ['ΔAP', 'ΔAP_s', 'train time']
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '|'.join('---' for _ in head) + '|']
    for s in stats:
        cells = [_value(v) for v in s['key']]
        cells.append(f'{s["n"]}/{s["planned"]}')
        cells += [format_mean_std(*s[m], pct=False) for m in METRICS]
        cells += [format_mean_std(s[d], None, pct=False, signed=True)
                  if s['baseline'] else '—'
                  for d in ('dAP', 'dAP_s')]
        cells.append(fmt_duration(s['train_time_s'][0])
                     if s['train_time_s'][0] is not None else 'n/a')
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def verdicts(spec: SweepSpec, stats: List[dict]) -> List[str]:
    out = []
    by_key = {s['key']: s for s in stats}
    for s in stats:
        if not s['baseline'] or s['dAP'] is None:
            continue
        name = ', '.join(_value(v) for v in s['key'])
        base = ', '.join(_value(v) for v in by_key[s['baseline']]['key'])
        d = s['dAP']
        word = ('matches' if abs(d) < 0.05 else
                'beats' if d > 0 else 'does NOT beat')
        spread = max(sd for sd in (s['AP'][1], by_key[s['baseline']]['AP'][1],
                                   0.0) if sd is not None)
        caveat = (f'; within the seed-to-seed spread (std up to {spread:.1f}),'
                  ' so not a measured difference'
                  if word != 'matches' and abs(d) <= spread else '')
        out.append(f'- {name} {word} {base}: {d:+.1f} AP '
                   f'(n = {s["n"]} vs {by_key[s["baseline"]]["n"]}{caveat})')
    return out


def plot(spec: SweepSpec, rows: List[dict], stats: List[dict],
         out_dir: str) -> List[str]:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    detectors = list(spec.axes['detector'])
    groups = group(spec, rows)
    paths = []

    def label(key):
        return ', '.join(_value(v) for v in key[1:]) or str(key[0])

    # val AP vs epoch: one panel per detector, one line per group
    fig, panels = plt.subplots(1, len(detectors),
                               figsize=(5.5 * len(detectors), 4),
                               squeeze=False)
    for ax, det in zip(panels[0], detectors):
        for key, members in groups.items():
            if key[0] != det:
                continue
            curves = [r['_curve'] for r in members if r['_curve']]
            if not curves:
                continue
            epochs, means, _ = mean_curve(curves)
            ax.plot(epochs, means, marker='o', ms=3,
                    label=f'{label(key)} (n={len(curves)})')
        ax.set(title=det, xlabel='epoch', ylabel='val AP (%)')
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=7)
    fig.suptitle(f'sweep {spec.name}: val AP vs epoch (mean over seeds)')
    fig.tight_layout()
    path = osp.join(out_dir, 'ap_vs_epoch.png')
    fig.savefig(path, dpi=110)
    plt.close(fig)
    paths.append(path)

    # AP_s per detector x loss (the other axes)
    fig, ax = plt.subplots(figsize=(max(6, 2.5 * len(detectors)), 4))
    labels = list(OrderedDict.fromkeys(label(s['key']) for s in stats))
    width = 0.8 / max(1, len(labels))
    for i, lab in enumerate(labels):
        xs, ms, es = [], [], []
        for j, det in enumerate(detectors):
            s = next((s for s in stats if s['key'][0] == det and
                      label(s['key']) == lab), None)
            if s is None or s['AP_s'][0] is None:
                continue
            xs.append(j + (i - (len(labels) - 1) / 2) * width)
            ms.append(s['AP_s'][0])
            es.append(s['AP_s'][1] or 0)
        if xs:
            bars = ax.bar(xs, ms, width, yerr=es, capsize=2, label=lab)
            ax.bar_label(bars, fmt='%.1f', fontsize=6)
    ax.set_xticks(range(len(detectors)), detectors)
    ax.set(ylabel='AP_s (%)',
           title=f'sweep {spec.name}: small-object AP (final epoch; '
           'error bar = std over seeds)')
    ax.title.set_fontsize(9)
    ax.grid(axis='y', alpha=0.3)
    if ax.patches:
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    path = osp.join(out_dir, 'ap_s_by_detector.png')
    fig.savefig(path, dpi=110)
    plt.close(fig)
    paths.append(path)
    return paths


def report(spec: SweepSpec, runs: Sequence[Run],
           out_dir: Optional[str] = None) -> Dict[str, str]:
    """Write results.csv, results.md and the plots; return their paths."""
    out_dir = out_dir or spec.work_dir
    rows = collect(spec, runs)
    stats = summarize(spec, rows)
    c = counts({'state': r['state']} for r in rows)
    csv_path = write_csv(rows, osp.join(out_dir, 'results.csv'))
    figures = plot(spec, rows, stats, out_dir)
    missing = [r for r in rows if r['state'] != 'done']
    lines = [f'# Sweep `{spec.name}`', '',
             f'Spec: `{spec.path}`. {len(rows)} runs planned: ' +
             ', '.join(f'{v} {k}' for k, v in c.items() if v) + '.', '']
    if missing:
        lines += [f'**Partial sweep: {len(missing)} of {len(rows)} runs are '
                  'not finished; the table uses finished runs only.**', '']
    lines += [markdown_table(spec, stats), '',
              'COCO box AP in percent, final epoch, on the validation split: '
              'mean ± sample std over the seeds that finished (n = finished '
              '/ planned). ΔAP, ΔAP_s: difference of means to the baseline '
              f'{spec.baseline} of the same detector. Train time: mean '
              'wall-clock per run, all attempts of a resumed run summed.', '']
    said = verdicts(spec, stats)
    if said:
        lines += ['## Against the baseline', ''] + said + ['']
    lines += [f'![val AP vs epoch]({osp.basename(figures[0])})', '',
              f'![AP_s]({osp.basename(figures[1])})', '']
    if missing:
        lines += ['## Missing runs', '']
        for r in missing:
            lines.append(f'- `{r["run_id"]}`: {r["state"]}')
        lines.append('')
    md_path = osp.join(out_dir, 'results.md')
    with open(md_path, 'w') as f:
        f.write('\n'.join(lines))
    print(markdown_table(spec, stats))
    if said:
        print('\n'.join(said))
    if missing:
        print(f'partial: {len(missing)} of {len(rows)} runs not finished: '
              + ', '.join(r['run_id'] for r in missing[:5])
              + (' ...' if len(missing) > 5 else ''))
    for p in [csv_path, md_path] + figures:
        print(f'wrote {relpath(p)}')
    return dict(csv=csv_path, md=md_path, figures=figures)


def status_table(spec: SweepSpec, runs: Sequence[Run],
                 show_all: bool = False) -> str:
    from .state import eta_seconds
    states = effective_states([spec.run_dir(r.id) for r in runs])
    sts = [states[spec.run_dir(r.id)] for r in runs]
    c = counts(sts)
    head = ['run', 'state', 'epoch', 'attempts', 'time', 'job / note']
    body = []
    for r, st in zip(runs, sts):
        if not show_all and len(runs) > 30 and st['state'] in ('done',
                                                                'pending'):
            continue
        res = read_run(spec.run_dir(r.id))
        epoch = str(max(res.val)) if res.val else '-'
        note = st.get('job') or ''
        if st.get('stale'):
            note = f'interrupted ({st["stale"]})'
        elif st['state'] == 'failed':
            note = (st.get('message') or '').splitlines()[0][:60]
        secs = train_seconds(st)
        if st['state'] == 'running' and st.get('started'):
            secs = (secs or 0) + max(0.0, time.time() - st['started'])
        body.append([r.id, st['state'], epoch, str(st.get('attempts', 0)),
                     fmt_duration(secs), note])
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    lines = ['  '.join(c_.ljust(w) for c_, w in zip(row, widths)).rstrip()
             for row in [head] + body]
    parallel = max(1, c['running'])
    eta = eta_seconds(sts, parallel)
    lines.append(
        f'{len(runs)} runs: {c["done"]} done, {c["running"]} running, '
        f'{c["queued"]} queued, {c["pending"]} pending, {c["failed"]} '
        f'failed; ETA {fmt_duration(eta)}'
        + (f' at {parallel} in parallel' if eta else ''))
    if not show_all and len(runs) > 30:
        lines.append('(done and pending runs hidden; --all shows them)')
    return '\n'.join(lines)
