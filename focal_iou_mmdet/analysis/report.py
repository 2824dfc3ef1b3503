"""Run a comparison end to end: train, summarise, print, write report.md and
the figures.  Shared by tools/quickstart.py and tools/compare_losses.py."""
import os
import os.path as osp
import platform
import sys
import time
from typing import Dict, List, Optional, Sequence

import torch

from .compare import RunSpec, format_table, run_all, summarize, verdict
from .plots import plot_ap_by_size, plot_curves


def compare(specs: Sequence[RunSpec], out_dir: str, epochs: int,
            baseline: str, title: str, options: Sequence[str] = (),
            env: Optional[Dict[str, str]] = None,
            invocation: Optional[str] = None, quiet: bool = False) -> List[dict]:
    """Train ``specs``, then print the table and write ``report.md``,
    ``curves.png`` and ``ap_by_size.png`` into ``out_dir``."""
    os.makedirs(out_dir, exist_ok=True)
    start = time.time()
    grouped = run_all(specs, out_dir, epochs, options, env, quiet)
    rows = summarize(grouped, baseline)
    table = format_table(rows)
    said = verdict(rows, baseline)
    print('\n' + title)
    print(table)
    print(said)
    curves = plot_curves(grouped, osp.join(out_dir, 'curves.png'), title)
    bars = plot_ap_by_size(rows, osp.join(out_dir, 'ap_by_size.png'), title)
    _write_report(out_dir, title, rows, grouped, baseline, said, epochs,
                  options, env, invocation, time.time() - start,
                  [curves, bars])
    print(f'\nreport: {osp.join(out_dir, "report.md")}')
    print(f'plots:  {curves}\n        {bars}')
    return rows


def _write_report(out_dir, title, rows, grouped, baseline, said, epochs,
                  options, env, invocation, wall, figures):
    lines = [f'# {title}', '']
    lines += [format_table(rows, markdown=True), '']
    lines += [
        'AP columns: COCO box AP in percent on the validation split, final '
        'epoch (mean ± sample std over seeds where n > 1; n/a where the set '
        'has no objects of that size). Train time: wall-clock seconds of the '
        'training process, per-epoch validation included.', '', said, ''
    ]
    lines += ['![curves](curves.png)', '', '![AP by size](ap_by_size.png)',
              '']
    lines += ['## How this was produced', '']
    if invocation:
        lines += ['```', invocation, '```', '']
    lines += [
        f'- {epochs} epochs per run; baseline: `{baseline}`.',
        f'- machine: {platform.machine()}, {os.cpu_count()} CPU cores, '
        f'torch {torch.__version__} (threads {torch.get_num_threads()}), '
        f'Python {sys.version.split()[0]}; whole comparison {wall / 60:.1f} '
        'min (skipped runs cost nothing).',
    ]
    if env:
        lines.append('- environment: ' +
                     ', '.join(f'`{k}={v}`' for k, v in env.items()))
    if options:
        lines.append('- extra config options: ' +
                     ' '.join(f'`{o}`' for o in options))
    lines += ['', '## Runs', '']
    for label, results in grouped.items():
        for r in results:
            lines.append(f'- `{label}` seed {r.info.get("seed")}: work dir '
                         f'`{r.work_dir}`, config `{r.info.get("config")}`')
            if r.info.get('command'):
                lines.append(f'  - `{r.info["command"]}`')
    with open(osp.join(out_dir, 'report.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
