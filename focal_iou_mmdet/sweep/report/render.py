"""The report rendered: the console table, results.md and results.csv."""
import csv
import os
import os.path as osp
import platform
import sys
import time
from typing import List, Tuple

from ...analysis.stats import format_mean_std
from ...utils.json_io import atomic_write
from ..display import fmt_duration
from ..spec import SweepSpec
from .comparisons import value_text
from ..expansion import group_axes
from .rows import families, metric_columns, primary_name, small_name


def write_csv(rows: List[dict], path: str) -> str:
    fields: List[str] = []
    for r in rows:
        fields += [k for k in r if not k.startswith('_') and k not in fields]
    with atomic_write(path, newline='') as f:
        w = csv.DictWriter(f, fields, extrasaction='ignore')
        w.writeheader()
        for r in rows:
            w.writerow({k: ('' if r.get(k) is None else r[k])
                        for k in fields})
    return path


def table(spec: SweepSpec, stats: List[dict], rows: List[dict]
          ) -> Tuple[List[str], list]:
    """Header and rows of cells (the same for the console and Markdown)."""
    columns = metric_columns(rows)
    kind = (' [anytime 95%]' if any(s.get('sequential') for s in stats)
            else ' [95% t]')
    deltas = [('d_primary', 'Δ' + primary_name(rows) + kind)]
    if small_name(rows):
        deltas.append(('d_small', 'Δ' + small_name(rows) + kind))
    head = group_axes(spec) + ['n'] + columns + [h for _, h in deltas] + [
        'train time']
    body = []
    for s in stats:
        cells = [value_text(v) for v in s['key']]
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
    n_axes = len(group_axes(spec))
    fmt = lambda cells: '  '.join(  # noqa: E731
        c.ljust(w) if i < n_axes else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths)))
    lines = [fmt(head), '-' * len(fmt(head))] + [fmt(b) for b in body]
    return '\n'.join(line.rstrip() for line in lines)


def _version(package: str) -> str:
    """An installed package's version, without importing it."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(package)
    except PackageNotFoundError:
        return 'not installed'


def _provenance(spec: SweepSpec) -> List[str]:
    return [
        '## How this was produced', '',
        f'- spec: `{spec.path}`; run folders under `{spec.work_dir}`.',
        f'- reported on {platform.machine()}, {os.cpu_count()} CPU cores, '
        f'torch {_version("torch")}, mmdet {_version("mmdet")}, '
        f'Python {sys.version.split()[0]}, '
        f'{time.strftime("%Y-%m-%d %H:%M")}.',
    ] + (['- environment: ' + ', '.join(f'`{k}={v}`'
                                         for k, v in spec.env.items())]
         if spec.env else []) + ([
             '- options for every run: ' +
             ', '.join(f'`{k}={v}`' for k, v in spec.options.items())]
             if spec.options else []) + ['']


def write_markdown(spec, rows, stats, c, missing, said, figures, md_path):
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
    with atomic_write(md_path) as f:
        f.write('\n'.join(lines))
    return md_path


