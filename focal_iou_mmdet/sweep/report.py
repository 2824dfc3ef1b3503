"""A sweep's results, from mmengine's JSON outputs (never from logs):
``results.csv`` (one row per run), ``results.md`` (mean ± std over seeds,
the difference to the baseline of the same detector, a verdict per
comparison), ``training_curves.png`` and ``ap_by_size.png``; and the
``status`` table.  The metrics are whatever the runs' evaluator wrote (COCO
or VOC, :mod:`..runs.metric_families`); tables, verdicts and plots name the
primary one.  A partial sweep reports what has finished and lists what is
missing."""
import contextlib
import csv
import io
import json
import logging
import os
import os.path as osp
import platform
import sys
import time
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple
from unittest import mock

from ..analysis.plots import plot_ap_by_size, plot_training_curves
from ..analysis.intervals import Interval, paired_t_interval
from ..analysis.stats import format_mean_std, mean_std
from ..runs import FAMILIES, MetricFamily, RunDir
from .spec import Run, SweepSpec, config_key, relpath
from .state import (counts, effective_states, eta_seconds, fmt_duration,
                    train_seconds)


def _pct(v: Optional[float]) -> Optional[float]:
    return None if v is None else round(v * 100, 2)


def collect(spec: SweepSpec, runs: Sequence[Run]) -> List[dict]:
    """One record per run: axis values, state and its results so far
    (metrics in percent, short names of the run's metric family)."""
    states = effective_states([spec.run_dir(r.id) for r in runs])
    rows = []
    for run in runs:
        run_dir = spec.run_dir(run.id)
        st = states[run_dir]
        res = run_dir.results()
        family = res.family
        curve = res.curve()
        best = max(curve, key=lambda e: curve[e]) if curve else None
        row = OrderedDict(run_id=run.id)
        row.update(run.values)
        row['state'] = st['state']
        row['metric'] = family.name if family else None
        row['primary'] = _pct(res.primary)
        for m, v in res.final.items():
            row[m] = _pct(v)
        row['final_epoch'] = max(res.val) if res.val else None
        row['best_epoch'] = best
        row['best_primary'] = _pct(curve[best]) if best is not None else None
        row['train_time_s'] = train_seconds(st)
        row['attempts'] = st.get('attempts', 0)
        row['_result'] = res
        row['_status'] = st
        row['_family'] = family
        rows.append(row)
    return rows


def families(rows: List[dict]) -> List[MetricFamily]:
    """The metric families of the runs that have results, in FAMILIES
    order."""
    found = {r['_family'].name for r in rows if r['_family'] is not None}
    return [f for f in FAMILIES if f.name in found]


def metric_columns(rows: List[dict]) -> List[str]:
    """Short names of every metric some run reported, family by family."""
    cols: List[str] = []
    for family in families(rows):
        for r in rows:
            if r['_family'] is family:
                cols += [m for m in r['_result'].final if m not in cols]
    return cols


def primary_name(rows: List[dict]) -> str:
    """The primary metric's short name ('AP' for COCO, 'mAP' for VOC;
    'primary' for a sweep that mixes families)."""
    fams = families(rows)
    return fams[0].primary if len(fams) == 1 else 'primary'


def small_name(rows: List[dict]) -> Optional[str]:
    fams = families(rows)
    return fams[0].small if len(fams) == 1 else None


def write_csv(rows: List[dict], path: str) -> str:
    fields: List[str] = []
    for r in rows:
        fields += [k for k in r if not k.startswith('_') and k not in fields]
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fields, extrasaction='ignore')
        w.writeheader()
        for r in rows:
            w.writerow({k: ('' if r.get(k) is None else r[k])
                        for k in fields})
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
    """Per group (runs over seeds): n finished of planned, mean ± std of
    each metric and of the train time, and the difference of the primary
    and the small-object metric to the baseline of the same detector:
    paired by seed, with a 95% t-interval (:mod:`..analysis.intervals`)."""
    columns = metric_columns(rows)
    small = small_name(rows)
    stats = OrderedDict()
    for key, members in group(spec, rows).items():
        # a finished run without metrics (e.g. a val set too small for any
        # detection) is not counted: report() lists it
        done = [r for r in members
                if r['state'] == 'done' and r['primary'] is not None]
        s = dict(key=key, n=len(done), planned=len(members),
                 results=[r['_result'] for r in done], done=done)
        for m in columns + ['train_time_s']:
            s[m] = mean_std([r.get(m) for r in done])
        stats[key] = s
    seed_axis = _seed_axis(spec)
    images = _ImageBootstrap(spec)
    for key, s in stats.items():
        bkey = _baseline_key(spec, key, list(stats))
        s['baseline'] = bkey
        for m in ('primary', 'small'):
            s['d_' + m] = _paired_interval(
                s['done'], stats[bkey]['done'] if bkey else [], seed_axis,
                'primary' if m == 'primary' else small)
        s['bootstrap'] = images.pairs(
            s['done'], stats[bkey]['done'] if bkey else [], seed_axis)
    return list(stats.values())


class _ImageBootstrap:
    """Per seed pair, the paired bootstrap over validation images of ΔAP
    and ΔAP_s (COCO runs whose evaluation dumped its detections,
    :attr:`~..runs.RunDir.predictions_file`)."""

    RESAMPLES = 1000

    def __init__(self, spec: SweepSpec):
        self.spec = spec
        self._gt: Dict[str, object] = {}
        self._matched: Dict[str, object] = {}

    def _ground_truth(self, run_dir: RunDir):
        from mmengine.config import Config
        # the data roots the run used; mmengine logs each variable it reads
        with mock.patch.dict(os.environ, self.spec.env):
            logging.disable(logging.INFO)
            try:
                ann = Config.fromfile(
                    run_dir.config_file).val_evaluator.ann_file
            finally:
                logging.disable(logging.NOTSET)
        if ann not in self._gt:
            from pycocotools.coco import COCO
            with contextlib.redirect_stdout(io.StringIO()):
                self._gt[ann] = COCO(ann)
        return self._gt[ann]

    def _run(self, row: dict):
        from ..analysis.image_bootstrap import MatchedRun
        run_dir = self.spec.run_dir(row['run_id'])
        if run_dir.path not in self._matched:
            try:
                with open(run_dir.predictions_file) as f:
                    dets = json.load(f)
                self._matched[run_dir.path] = MatchedRun(
                    self._ground_truth(run_dir), dets)
            except (OSError, ValueError, KeyError, AttributeError):
                self._matched[run_dir.path] = None  # no dump, or not COCO
        return self._matched[run_dir.path]

    def pairs(self, runs: List[dict], base_runs: List[dict],
              seed_axis: Optional[str]) -> List[tuple]:
        """``[(seed, ΔAP interval, ΔAP_s interval)]`` per seed pair."""
        from ..analysis.image_bootstrap import paired_bootstrap
        out = []
        for seed, r, base in _seed_pairs(runs, base_runs, seed_axis):
            if r['_family'] is None or r['_family'].name != 'coco':
                continue
            a, b = self._run(r), self._run(base)
            if a is None or b is None or a.img_ids != b.img_ids:
                continue
            n = len(a.img_ids)
            ivs = []
            for area in ('all', 'small'):
                try:
                    d, lo, hi = paired_bootstrap(a, b, self.RESAMPLES,
                                                 area=area)
                except (TypeError, ValueError):  # no objects of that size
                    ivs.append(None)
                    continue
                ivs.append(Interval(d, lo, hi, n, 'val images'))
            out.append((seed, ivs[0], ivs[1]))
        return out


def _seed_axis(spec: SweepSpec) -> Optional[str]:
    return next((a for a in spec.axes
                 if config_key(a) == 'randomness.seed'), None)


def _seed_pairs(runs: List[dict], base_runs: List[dict],
                seed_axis: Optional[str]) -> List[Tuple[object, dict, dict]]:
    """``[(seed, run, baseline run)]``: the variant's runs paired with the
    baseline's of the same seed (same detector: the caller's groups)."""
    seed_of = lambda r: r.get(seed_axis) if seed_axis else None  # noqa: E731
    base = {seed_of(r): r for r in base_runs}
    return [(seed_of(r), r, base[seed_of(r)]) for r in runs
            if seed_of(r) in base]


def _paired_interval(runs: List[dict], base_runs: List[dict],
                     seed_axis: Optional[str],
                     metric: Optional[str]) -> Optional[Interval]:
    """The variant's metric minus its baseline's, paired by seed, with a
    95% t-interval over the pairs."""
    if metric is None:
        return None
    return paired_t_interval([
        r[metric] - b[metric] for _, r, b in _seed_pairs(runs, base_runs,
                                                          seed_axis)
        if r.get(metric) is not None and b.get(metric) is not None])


def _value(v) -> str:
    """An axis value as printed (None: the config's own value)."""
    return 'default' if v is None else str(v)


def table(spec: SweepSpec, stats: List[dict], rows: List[dict]
          ) -> Tuple[List[str], list]:
    """Header and rows of cells (the same for the console and Markdown)."""
    columns = metric_columns(rows)
    deltas = [('d_primary', 'Δ' + primary_name(rows))]
    if small_name(rows):
        deltas.append(('d_small', 'Δ' + small_name(rows)))
    head = _group_axes(spec) + ['n'] + columns + [h for _, h in deltas] + [
        'train time']
    body = []
    for s in stats:
        cells = [_value(v) for v in s['key']]
        cells.append(f'{s["n"]}/{s["planned"]}')
        cells += [format_mean_std(*s[m]) for m in columns]
        cells += [s[d].cell() if s['baseline'] and s[d] else '—'
                  for d, _ in deltas]
        cells.append(fmt_duration(s['train_time_s'][0])
                     if s['train_time_s'][0] is not None else 'n/a')
        body.append(cells)
    return head, body


def markdown_table(spec: SweepSpec, stats: List[dict], rows: List[dict]
                   ) -> str:
    head, body = table(spec, stats, rows)
    return '\n'.join(['| ' + ' | '.join(head) + ' |',
                      '|' + '|'.join('---' for _ in head) + '|'] +
                     ['| ' + ' | '.join(b) + ' |' for b in body])


def text_table(spec: SweepSpec, stats: List[dict], rows: List[dict]) -> str:
    head, body = table(spec, stats, rows)
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    n_axes = len(_group_axes(spec))
    fmt = lambda cells: '  '.join(  # noqa: E731
        c.ljust(w) if i < n_axes else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths)))
    lines = [fmt(head), '-' * len(fmt(head))] + [fmt(b) for b in body]
    return '\n'.join(line.rstrip() for line in lines)


def verdicts(spec: SweepSpec, stats: List[dict], rows: List[dict]
             ) -> List[str]:
    """One line per comparison with its baseline, the verdict following
    the interval: ``focal-iou vs iou: ΔAP +0.4 [-0.2, +1.0] (n=3 seeds):
    no measurable difference``; under it, for each seed pair, the paired
    image bootstrap of ΔAP and ΔAP_s (COCO runs), which carries the verdict
    when there is one seed."""
    by_key = {s['key']: s for s in stats}
    metric = primary_name(rows)
    small = small_name(rows) or 'AP_s'
    out = []
    for s in stats:
        iv = s['d_primary']
        if not s['baseline'] or iv is None:
            continue
        base = by_key[s['baseline']]
        line = (f'- {", ".join(_value(v) for v in s["key"])} vs '
                f'{", ".join(_value(v) for v in base["key"])}: '
                f'{iv.format(metric)}')
        boot = s.get('bootstrap') or []
        if iv.has_interval or not boot:
            line += f': {iv.verdict()}'
        out.append(line)
        for seed, b_all, b_small in boot:
            if b_all is None:
                continue
            text = (f'  - {"seed " + str(seed) if seed is not None else "run pair"}'
                    f', paired bootstrap ({_ImageBootstrap.RESAMPLES} '
                    f'resamples of {b_all.n} val images): '
                    f'Δ{metric} {b_all.cell()}')
            if b_small is not None:
                text += f', Δ{small} {b_small.cell()}'
            out.append(text + f': {b_all.verdict()}')
    return out


def _label(key: Tuple) -> str:
    return ', '.join(_value(v) for v in key[1:]) or str(key[0])


def plot(spec: SweepSpec, stats: List[dict], rows: List[dict],
         out_dir: str) -> List[str]:
    """Training curves of the primary metric; AP by object size where the
    metric family has sizes (COCO)."""
    fams = families(rows)
    sizes_of = fams[0].sizes if len(fams) == 1 else ()
    curves, sizes = OrderedDict(), OrderedDict()
    for det in spec.axes['detector']:
        groups = [s for s in stats if s['key'][0] == det]
        curves[det] = [(_label(s['key']), s['results']) for s in groups]
        sizes[det] = [(_label(s['key']), {m: s.get(m, (None, None))
                                          for m in sizes_of})
                      for s in groups]
    title = f'sweep {spec.name} (mean over seeds)'
    figures = [plot_training_curves(
        curves, osp.join(out_dir, 'training_curves.png'), title,
        metric=primary_name(rows))]
    if sizes_of:
        figures.append(plot_ap_by_size(
            sizes, osp.join(out_dir, 'ap_by_size.png'), f'sweep {spec.name}'))
    return figures


def _provenance(spec: SweepSpec) -> List[str]:
    import torch
    return [
        '## How this was produced', '',
        f'- spec: `{spec.path}`; run folders under `{spec.work_dir}`.',
        f'- reported on {platform.machine()}, {os.cpu_count()} CPU cores, '
        f'torch {torch.__version__}, Python {sys.version.split()[0]}, '
        f'{time.strftime("%Y-%m-%d %H:%M")}.',
    ] + (['- environment: ' + ', '.join(f'`{k}={v}`'
                                         for k, v in spec.env.items())]
         if spec.env else []) + ([
             '- options for every run: ' +
             ', '.join(f'`{k}={v}`' for k, v in spec.options.items())]
             if spec.options else []) + ['']


def _missing(rows: List[dict], states: Dict[str, dict]) -> List[str]:
    out = []
    for r in rows:
        if r['state'] == 'done' and r['primary'] is None:
            out.append(f'- `{r["run_id"]}`: done, but its scalars.json has '
                       'no validation metrics (nothing evaluated?)')
        elif r['state'] != 'done':
            msg = states[r['run_id']].get('message') or ''
            out.append(f'- `{r["run_id"]}`: {r["state"]}' + (
                f' ({msg.splitlines()[0]})' if r['state'] == 'unreadable'
                else ''))
    return out


def report(spec: SweepSpec, runs: Sequence[Run],
           out_dir: Optional[str] = None) -> Dict[str, object]:
    """Print the table and verdicts; write results.csv, results.md and the
    plots (into ``out_dir``, default the sweep's folder); return their
    paths and the group statistics.  A folder that cannot be written to
    (a read-only work root) is reported; the table is still printed."""
    out_dir = out_dir or spec.work_dir
    rows = collect(spec, runs)
    stats = summarize(spec, rows)
    states = {row['run_id']: row['_status'] for row in rows}
    c = counts({'state': r['state']} for r in rows)
    missing = _missing(rows, states)
    said = verdicts(spec, stats, rows)
    print(text_table(spec, stats, rows))
    if said:
        print('\n'.join(said))
    if missing:
        print(f'not in the table: {len(missing)} of {len(rows)} runs:\n'
              + '\n'.join('  ' + m[2:] for m in missing[:10])
              + ('\n  ...' if len(missing) > 10 else ''))
    try:
        os.makedirs(out_dir, exist_ok=True)
        csv_path = write_csv(rows, osp.join(out_dir, 'results.csv'))
        figures = plot(spec, stats, rows, out_dir)
        md_path = _write_markdown(spec, rows, stats, c, missing, said,
                                  figures, osp.join(out_dir, 'results.md'))
    except OSError as e:
        print(f'error: cannot write the report files to {out_dir}: '
              f'{e.strerror or e} (printed only; --out-dir writes them '
              'elsewhere)')
        return dict(csv=None, md=None, figures=[], stats=stats,
                    error=str(e))
    for p in [csv_path, md_path] + figures:
        print(f'wrote {relpath(p)}')
    return dict(csv=csv_path, md=md_path, figures=figures, stats=stats)


def _write_markdown(spec, rows, stats, c, missing, said, figures, md_path):
    lines = [f'# Sweep `{spec.name}`', '',
             f'{len(rows)} runs planned: ' +
             ', '.join(f'{v} {k}' for k, v in c.items() if v) + '.', '']
    if missing:
        lines += [f'**Partial sweep: {len(missing)} of {len(rows)} runs are '
                  'not in the table (listed below).**', '']
    fams = families(rows)
    what = ' and '.join(f.description for f in fams) or 'No metrics yet'
    deltas = ', '.join('Δ' + m for m in (primary_name(rows), small_name(rows))
                       if m)
    lines += [markdown_table(spec, stats, rows), '',
              f'{what}, in percent, final epoch, on the validation split: '
              'mean ± sample std over the seeds that finished (n = finished '
              '/ planned; n/a where the set has no objects of that size). '
              f'{deltas}: mean difference to the baseline '
              f'{spec.baseline} of the same detector, paired by seed, with '
              'its 95% t-interval over the seeds (none for one seed); a '
              'verdict says "beats" or "worse" only when the interval '
              'excludes 0. Train time: mean wall-clock per run, all '
              'attempts of a resumed run summed.', '']
    if said:
        lines += ['## Against the baseline', ''] + said + ['']
    lines += [f'![{osp.splitext(osp.basename(f))[0]}]({osp.basename(f)})'
              for f in figures] + ['']
    if missing:
        lines += ['## Missing runs', ''] + missing + ['']
    lines += _provenance(spec)
    with open(md_path, 'w') as f:
        f.write('\n'.join(lines))
    return md_path


def result_note(run_dir: RunDir) -> str:
    """``(AP x, AP_s y)`` (or ``(mAP x)`` for VOC) of a run's last evaluated
    epoch, or ''."""
    res = run_dir.results()
    family, final = res.family, res.final
    if family is None or res.primary is None:
        return ''
    parts = [f'{family.primary} {res.primary * 100:.1f}']
    if family.small:
        small = final.get(family.small)
        parts.append(f'{family.small} ' +
                     ('n/a' if small is None else f'{small * 100:.1f}'))
    return '(' + ', '.join(parts) + ')'


def status_table(spec: SweepSpec, runs: Sequence[Run],
                 show_all: bool = False) -> str:
    states = effective_states([spec.run_dir(r.id) for r in runs])
    sts = [states[spec.run_dir(r.id)] for r in runs]
    c = counts(sts)
    head = ['run', 'state', 'epoch', 'attempts', 'time', 'job / note']
    body = []
    for r, st in zip(runs, sts):
        if not show_all and len(runs) > 30 and st['state'] in ('done',
                                                                'pending') \
                and not st.get('checkpoint_note'):
            continue
        res = spec.run_dir(r.id).results()
        epoch = str(max(res.val)) if res.val else '-'
        note = st.get('job') or ''
        if st.get('stale'):
            note = f'interrupted ({st["stale"]})'
        elif st['state'] == 'unreadable':
            note = st['message']
        elif st['state'] == 'failed':
            note = (st.get('message') or '').splitlines()[0][:60]
        if st.get('checkpoint_note'):
            note = (note + '; ' if note else '') + st['checkpoint_note']
        secs = train_seconds(st)
        if st['state'] == 'running' and st.get('started'):
            secs = (secs or 0) + max(0.0, time.time() - st['started'])
        attempts = str(st.get('attempts', 0)) + (
            f'/{st["max_attempts"]}' if st.get('max_attempts') else '')
        body.append([r.id, st['state'], epoch, attempts,
                     fmt_duration(secs), note])
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    lines = ['  '.join(c_.ljust(w) for c_, w in zip(row, widths)).rstrip()
             for row in [head] + body]
    parallel = max(1, c['running'])
    eta = eta_seconds(sts, parallel)
    lines.append(
        f'{len(runs)} runs: {c["done"]} done, {c["running"]} running, '
        f'{c["queued"]} queued, {c["pending"]} pending, {c["failed"]} '
        f'failed' + (f', {c["unreadable"]} unreadable'
                     if c['unreadable'] else '')
        + f'; ETA {fmt_duration(eta)}'
        + (f' at {parallel} in parallel' if eta else ''))
    if not show_all and len(runs) > 30:
        lines.append('(done and pending runs hidden; --all shows them)')
    return '\n'.join(lines)
