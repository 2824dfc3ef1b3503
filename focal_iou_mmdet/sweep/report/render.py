"""The report rendered: the console table, results.md and results.csv."""
import csv
import os
import os.path as osp
import platform
import sys
import time
from typing import List, Tuple

from ...analysis.grid_verdicts import ANYTIME
from ...analysis.verdicts import level_text
from ...analysis.descriptive import format_mean_std
from ...utils.json_io import atomic_write
from ...utils.display import fmt_duration
from ..compare.comparison import VerdictRule, finished, value_text
from ..spec import SweepSpec, group_axes
from ..compare.rows import families, metric_columns, primary_name, small_name


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
    kind = next((f' [{s["d_primary"].interval_name}]' for s in stats
                 if s['d_primary'] is not None), '')
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


def caption(spec: SweepSpec, rows: List[dict], rule: VerdictRule) -> str:
    """What the table's numbers are, naming the interval it uses."""
    fams = families(rows)
    what = ' and '.join(f.description for f in fams) or 'No metrics yet'
    deltas = ', '.join('Δ' + m for m in (primary_name(rows), small_name(rows))
                       if m)
    level = level_text(rule.alpha)
    interval = (f'its anytime-valid {level} confidence sequence over the '
                'seeds in the order they ran (the sweep added seeds until '
                'decided, so a fixed-n interval would not hold)'
                if rule.kind == ANYTIME else
                f'its {level} t-interval over the seeds (none for one seed)')
    return (f'{what}, in percent, final epoch, on the validation split: '
            'mean ± sample std over the seeds that finished (n = finished '
            '/ planned; n/a where the set has no objects of that size). '
            f'{deltas}: mean difference to the baseline {spec.baseline} of '
            f'the same detector, paired by seed, with {interval}; a verdict '
            'says "beats" or "worse" only when the interval excludes 0. '
            'Train time: mean wall-clock per run, all attempts of a resumed '
            'run summed.')


def write_markdown(spec, rows, stats, c, notes, said, figures, md_path,
                   rule: VerdictRule, claims=None):
    lines = [f'# Sweep `{spec.name}`', '',
             f'{len(rows)} runs planned: ' +
             ', '.join(f'{v} {k}' for k, v in c.items() if v) + '.', '']
    if claims is not None and claims.table():
        lines += ['## The claims', ''] + claims.table() + [
            '', 'A claim is supported where the aggregate\'s interval over '
            'the cells lies above 0 (contradicted: below; the cells\' own '
            'verdicts, corrected by Holm, beside it); the tables and '
            'sections below are its evidence.', '']
    missing = len(rows) - len(finished(rows))
    if missing:
        lines += [f'**Partial sweep: {missing} of {len(rows)} runs are '
                  'not in the table (see the notes).**', '']
    lines += [markdown_table(spec, stats, rows), '',
              caption(spec, rows, rule), '']
    if said:
        lines += ['## Against the baseline', ''] + said + ['']
    if claims is not None:
        lines += claims.sections()
    lines += [f'![{osp.splitext(osp.basename(f))[0]}]({osp.basename(f)})'
              for f in figures] + ['']
    if notes:
        lines += ['## Notes on runs', ''] + notes + ['']
    lines += _provenance(spec)
    with atomic_write(md_path) as f:
        f.write('\n'.join(lines))
    return md_path
