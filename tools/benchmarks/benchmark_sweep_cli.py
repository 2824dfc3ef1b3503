"""Time the sweep CLI on a large synthetic sweep, each command in a fresh
process (cold imports), as a researcher types it on a login node.

    python tools/benchmarks/benchmark_sweep_cli.py [--runs 2000] [--epochs 12]
        [--keep DIR]

It writes a spec of ``--runs`` runs (RetinaNet, IoU vs Focal-IoU over
gamma and seeds), runs ``plan`` for real (every key checked against the
configs), then fills every run folder with real-looking results: a done
``status.json`` and an mmengine ``scalars.json`` (training records and a
COCO evaluation per epoch).  It then times ``status`` and ``report`` (no
detections dumped: no bootstrap), with each process's peak memory, and
prints the table with the targets.
"""
import argparse
import json
import os
import os.path as osp
import random
import subprocess
import sys
import tempfile
import time

import yaml

TARGETS = {'plan': 60.0, 'status': 2.0, 'report': 15.0}
REPORT_MEMORY_MB = 500


def write_spec(root: str, runs: int) -> str:
    seeds = max(1, runs // 20)
    spec = dict(
        name='bench', work_dir=osp.join(root, 'wd'),
        configs={'retinanet': 'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'},
        axes={'loss': ['iou', 'focal-iou'],
              'box_head.loss_bbox.scale': [1.0 + k / 10 for k in range(10)],
              'seed': list(range(seeds))})
    path = osp.join(root, 'bench.yaml')
    with open(path, 'w') as f:
        yaml.safe_dump(spec, f, sort_keys=False)
    return path


def fill(run_dir: str, epochs: int, rng: random.Random) -> None:
    """A finished run's status and scalars, as mmengine writes them."""
    vis = osp.join(run_dir, '20260101_000000', 'vis_data')
    os.makedirs(vis, exist_ok=True)
    ap, it = rng.uniform(0.2, 0.4), 0
    with open(osp.join(vis, 'scalars.json'), 'w') as f:
        for epoch in range(1, epochs + 1):
            for _ in range(4):
                it += 8
                f.write(json.dumps(dict(
                    lr=1e-3, loss=1.2, loss_cls=0.5, loss_bbox=0.7,
                    time=0.8, data_time=0.01, epoch=epoch, iter=it,
                    memory=900, step=it)) + '\n')
            ap_e = ap * epoch / epochs
            f.write(json.dumps({
                'coco/bbox_mAP': round(ap_e, 3),
                'coco/bbox_mAP_50': round(ap_e * 1.7, 3),
                'coco/bbox_mAP_75': round(ap_e, 3),
                'coco/bbox_mAP_s': round(ap_e * 0.8, 3),
                'coco/bbox_mAP_m': round(ap_e * 1.3, 3),
                'coco/bbox_mAP_l': -1.0, 'data_time': 0.01, 'time': 0.1,
                'step': epoch}) + '\n')
    with open(osp.join(run_dir, 'status.json'), 'w') as f:
        json.dump(dict(state='done', attempts=1, launcher='local',
                       sessions=[dict(attempt=1, exit=0, seconds=230.0)]), f)


def timed(cmd) -> tuple:
    """(seconds, peak resident MB of that process, its output)."""
    with tempfile.TemporaryFile('w+') as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f'{cmd} failed: {text[-2000:]}')
    return seconds, usage.ru_maxrss / 1024, text


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--runs', type=int, default=2000)
    p.add_argument('--epochs', type=int, default=12)
    p.add_argument('--keep', help='build the sweep here (default: a '
                   'temporary folder, removed)')
    args = p.parse_args(argv)
    root = args.keep or tempfile.mkdtemp(prefix='sweep_bench_')
    spec = write_spec(root, args.runs)
    sweep = [sys.executable, '-m', 'focal_iou_mmdet.sweep']
    rows = []
    secs, mem, out = timed(sweep + ['plan', spec])
    rows.append(('plan', secs, mem, next(
        (ln for ln in out.splitlines() if ln.startswith('sweep ')), '')))
    rng = random.Random(0)
    wd = osp.join(root, 'wd')
    for name in sorted(os.listdir(wd)):
        if osp.isdir(osp.join(wd, name)):
            fill(osp.join(wd, name), args.epochs, rng)
    for cmd in ('status', 'report'):
        secs, mem, out = timed(sweep + [cmd, spec])
        rows.append((cmd, secs, mem, out.strip().splitlines()[-1][:70]))
    print(f'{"command":8} {"seconds":>8} {"target":>8} {"peak MB":>8}  '
          f'last line')
    for cmd, secs, mem, line in rows:
        print(f'{cmd:8} {secs:8.2f} {TARGETS[cmd]:8.0f} {mem:8.0f}  {line}')
    print(f'({args.runs} runs, {args.epochs} epochs each; peak MB: the '
          f'process\'s resident peak; report target {REPORT_MEMORY_MB} MB)')
    return rows


if __name__ == '__main__':
    main()
