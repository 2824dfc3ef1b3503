"""Train box-loss variants side by side and report the difference.

One code path for the CPU quickstart (``tools/quickstart.py``) and for the
real-data benchmark (``tools/compare_losses.py``): each (config, seed) is
trained by our ``train.py`` (mmdet's, with this package registered) in its own
work dir; a run that is already complete is skipped, one that was interrupted
resumes from its ``last_checkpoint``, so nothing is lost on a crash.  Results
are read from mmengine's JSON (:mod:`.results`), never from logs.
"""
import math
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from ..utils.json_io import write_json
from .results import COCO_KEYS, RUN_INFO, RunResult, read_run

METRICS = list(COCO_KEYS.values())  # AP, AP50, AP75, AP_s, AP_m, AP_l
#: ``--cfg-options`` of a seconds-long run on a tiny set (the quickstart's
#: ``--smoke`` and the end-to-end tests): no worker processes, batch 4, a log
#: line per iteration, and every detection kept (an untrained model scores
#: below mmdet's 0.05, and CocoMetric must have something to evaluate).
TINY_RUN_OPTIONS = [
    'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False',
    'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
    'default_hooks.logger.interval=1', 'model.test_cfg.score_thr=0.0'
]
TRAIN_CMD = [
    sys.executable, '-c',
    'from focal_iou_mmdet.utils import run_mmdet_tool; '
    'run_mmdet_tool("train.py")'
]


@dataclass
class RunSpec:
    """One training run: ``label`` groups runs over seeds."""
    label: str
    config: str
    seed: int = 0

    @property
    def name(self) -> str:
        return f'{self.label}_seed{self.seed}'


def config_path(name: str) -> str:
    """A config given as a path, or by file name under the repo's or the
    installed package's ``configs/``."""
    if osp.isfile(name):
        return osp.abspath(name)
    pkg = osp.dirname(osp.dirname(osp.abspath(__file__)))
    for root in (osp.join(osp.dirname(pkg), 'configs'),
                 osp.join(pkg, '.mim', 'configs')):
        for dirpath, _, files in os.walk(root):
            if osp.basename(name) in files:
                return osp.join(dirpath, osp.basename(name))
    raise FileNotFoundError(f'config {name!r} not found as a path nor under '
                            'configs/')


def train_command(spec: RunSpec, work_dir: str, epochs: int,
                  options: Sequence[str] = ()) -> List[str]:
    cmd = TRAIN_CMD + [
        config_path(spec.config), '--work-dir', work_dir, '--cfg-options',
        f'train_cfg.max_epochs={epochs}', f'randomness.seed={spec.seed}'
    ] + list(options)
    return cmd


def is_complete(result: RunResult, epochs: int) -> bool:
    return bool(result.val) and max(result.val) >= epochs


def train_run(spec: RunSpec, work_dir: str, epochs: int,
              options: Sequence[str] = (), env: Optional[dict] = None,
              quiet: bool = False) -> RunResult:
    """Train ``spec`` into ``work_dir`` unless already complete."""
    result = read_run(work_dir)
    if is_complete(result, epochs):
        print(f'  {spec.name}: complete in {work_dir}, skipped', flush=True)
        return result
    os.makedirs(work_dir, exist_ok=True)
    cmd = train_command(spec, work_dir, epochs, options)
    if osp.exists(osp.join(work_dir, 'last_checkpoint')):
        cmd.append('--resume')  # continue an interrupted run
        print(f'  {spec.name}: resuming from its last checkpoint', flush=True)
    info = result.info or dict(label=spec.label, seed=spec.seed,
                               config=config_path(spec.config), sessions=[])
    info['command'] = ' '.join(shlex.quote(c) for c in cmd)
    start = time.time()
    log = open(osp.join(work_dir, 'train_stdout.log'), 'a')
    try:
        proc = subprocess.Popen(cmd, env=dict(os.environ, **(env or {})),
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            log.write(line)
            if not quiet and 'Epoch(' in line:
                print('   ', line[line.index('Epoch('):].rstrip()[:200],
                      flush=True)
            elif not quiet and 'Error' in line:
                print('   ', line.rstrip(), flush=True)
        code = proc.wait()
    finally:
        log.close()
        info['sessions'].append(dict(seconds=round(time.time() - start, 1),
                                     epochs=epochs))
        write_json(osp.join(work_dir, RUN_INFO), info)
    if code != 0:
        raise RuntimeError(
            f'training {spec.name} failed (exit {code}); see '
            f'{osp.join(work_dir, "train_stdout.log")}')
    return read_run(work_dir)


def run_all(specs: Sequence[RunSpec], out_dir: str, epochs: int,
            options: Sequence[str] = (), env: Optional[dict] = None,
            quiet: bool = False) -> Dict[str, List[RunResult]]:
    """Train every spec (``out_dir/<name>``), grouped by label."""
    grouped: Dict[str, List[RunResult]] = {}
    for k, spec in enumerate(specs, 1):
        print(f'[run {k} of {len(specs)}] {spec.name}: '
              f'{osp.basename(spec.config)}, {epochs} epochs', flush=True)
        result = train_run(spec, osp.join(out_dir, spec.name), epochs,
                           options, env, quiet)
        grouped.setdefault(spec.label, []).append(result)
    return grouped


# --------------------------------------------------------------------------
# Summaries


def mean_std(values: List[Optional[float]]):
    vals = [v for v in values if v is not None]
    if not vals:
        return None, None
    m = sum(vals) / len(vals)
    if len(vals) < 2:
        return m, None
    return m, math.sqrt(sum((v - m)**2 for v in vals) / (len(vals) - 1))


def summarize(grouped: Dict[str, List[RunResult]],
              baseline: str) -> List[dict]:
    """Rows ``{label, n, <metric>: (mean, std), time: (mean, std)}``, then a
    ``delta`` row per non-baseline label (difference of means)."""
    rows = []
    for label, results in grouped.items():
        row = dict(label=label, n=len(results))
        for m in METRICS:
            row[m] = mean_std([r.final.get(m) for r in results])
        row['time'] = mean_std([r.train_time_s for r in results])
        rows.append(row)
    base = next((r for r in rows if r['label'] == baseline), None)
    if base is not None:
        for row in list(rows):
            if row is base:
                continue
            delta = dict(label=f'{row["label"]} - {baseline}', n=None,
                         delta=True)
            for m in METRICS + ['time']:
                a, b = row[m][0], base[m][0]
                delta[m] = (None if a is None or b is None else a - b, None)
            rows.append(delta)
    return rows


def format_mean_std(mean, std, pct=True, signed=False) -> str:
    """``mean ± std`` with one decimal (``pct``: fractions as percent)."""
    if mean is None:
        return 'n/a'
    scale = 100.0 if pct else 1.0
    fmt = '{:+.1f}' if signed else '{:.1f}'
    text = fmt.format(mean * scale)
    if std is not None:
        text += ' ± {:.1f}'.format(std * scale)
    return text


def format_table(rows: List[dict], markdown: bool = False) -> str:
    """AP columns in percent, train time in seconds."""
    head = ['run', 'n'] + METRICS + ['train time (s)']
    body = []
    for r in rows:
        signed = r.get('delta', False)
        body.append([r['label'], '' if r['n'] is None else str(r['n'])] +
                    [format_mean_std(*r[m], signed=signed) for m in METRICS] +
                    [format_mean_std(*r['time'], pct=False, signed=signed)])
    if markdown:
        lines = ['| ' + ' | '.join(head) + ' |',
                 '|' + '|'.join('---' for _ in head) + '|']
        lines += ['| ' + ' | '.join(b) + ' |' for b in body]
        return '\n'.join(lines)
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    fmt = lambda cells: '  '.join(c.rjust(w) if i else c.ljust(w)  # noqa
                                   for i, (c, w) in enumerate(zip(cells,
                                                                  widths)))
    sep = '-' * len(fmt(head))
    return '\n'.join([fmt(head), sep] + [fmt(b) for b in body])


def verdict(rows: List[dict], baseline: str) -> str:
    """One honest sentence per compared label about AP."""
    out = []
    for r in rows:
        if not r.get('delta') or r['AP'][0] is None:
            continue
        d = r['AP'][0] * 100
        label = r['label'].split(' - ')[0]
        if abs(d) < 0.05:
            out.append(f'{label} matches {baseline} in AP ({d:+.1f}).')
        elif d > 0:
            out.append(f'{label} beats {baseline} by {d:+.1f} AP in this run.')
        else:
            out.append(f'{label} does NOT beat {baseline} in this run: '
                       f'{d:+.1f} AP.')
    return ' '.join(out)
