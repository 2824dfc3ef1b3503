"""Speed and memory of the box losses: ours vs mmdet's (and torchvision's,
when it imports), measured side by side in one process.

For each n (boxes) and loss: the median fwd+bwd time over repeats after a
warm-up, and the peak memory allocated by torch during one fwd+bwd (from the
profiler's allocation records), each with its ratio to mmdet's loss of the same
base variant (IoULoss(linear) / GIoULoss / DIoULoss / CIoULoss).

    python tools/benchmarks/benchmark_loss.py [--sizes 1000 10000 100000 1000000]
        [--threads 2] [--repeats 20] [--dtype float32] [--out FILE.csv]
        [--no-fused]
"""
import argparse
import csv
import statistics
import time

import torch
from mmdet.models.losses import CIoULoss, DIoULoss, GIoULoss, IoULoss

from focal_iou_mmdet.models.losses import FocalIoULoss
from focal_iou_mmdet.utils.devices import describe_device, synchronize

BASES = ('iou', 'giou', 'diou', 'ciou')


def candidates(fused=True):
    """(name, base variant for the ratio, callable(pred, target)); the
    ``fused`` rows are FocalIoULoss(fused=True): torch.compile'd kernels,
    compiled during the warm-up."""
    out = []
    mmdet = dict(iou=IoULoss(mode='linear'), giou=GIoULoss(), diou=DIoULoss(),
                 ciou=CIoULoss())
    for base in BASES:
        out.append((f'mmdet {type(mmdet[base]).__name__}', base, mmdet[base]))
        out.append((f'ours plain-{base}', base,
                    FocalIoULoss(iou_variant=base, gamma=0.0, scale=1.0)))
        out.append((f'ours focal-{base}', base, FocalIoULoss(iou_variant=base)))
        if fused:
            out.append((f'ours focal-{base} fused', base,
                        FocalIoULoss(iou_variant=base, fused=True)))
    out.append(('ours focal-eiou', 'iou',
                FocalIoULoss(iou_variant='eiou', formula='focal_eiou')))
    out.append(('ours alpha-iou', 'iou',
                FocalIoULoss(iou_variant='iou', formula='alpha_iou')))
    out.append(('ours focal-siou', 'iou', FocalIoULoss(iou_variant='siou')))
    try:
        from torchvision.ops import (complete_box_iou_loss,
                                     distance_box_iou_loss,
                                     generalized_box_iou_loss)
        for base, fn in (('giou', generalized_box_iou_loss),
                         ('diou', distance_box_iou_loss),
                         ('ciou', complete_box_iou_loss)):
            out.append((f'torchvision {fn.__name__}', base,
                        lambda p, t, fn=fn: fn(p, t, reduction='mean')))
        note = 'torchvision: imported'
    except Exception as e:  # noqa: BLE001  (report why, do not fail)
        note = (f'torchvision: not measured, it does not import here '
                f'({type(e).__name__}: {str(e).splitlines()[0][:100]})')
    return out, note


def boxes(n, dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 100
    wh = torch.rand(n, 2, generator=g) * 50 + 2
    pred = torch.cat([xy, xy + wh], -1)
    target = pred + (torch.rand(n, 4, generator=g) - 0.5) * 10
    target = torch.cat([target[:, :2],
                        torch.max(target[:, 2:], target[:, :2] + 1)], -1)
    return pred.to(dtype), target.to(dtype)


def fwd_bwd(fn, pred, target):
    p = pred.detach().requires_grad_(True)
    fn(p, target).backward()
    return p.grad


def time_ms(fn, pred, target, repeats, warmup=3):
    for _ in range(warmup):
        fwd_bwd(fn, pred, target)
    synchronize(pred.device)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fwd_bwd(fn, pred, target)
        synchronize(pred.device)  # timed to the end of the work
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def peak_bytes(fn, pred, target):
    """Peak allocation during one fwd+bwd above what was allocated before:
    CUDA's allocator statistics on a GPU; on CPU, the profiler's allocation
    records summed in time order."""
    if pred.is_cuda:
        synchronize(pred.device)
        base = torch.cuda.memory_allocated(pred.device)
        torch.cuda.reset_peak_memory_stats(pred.device)
        fwd_bwd(fn, pred, target)
        synchronize(pred.device)
        return torch.cuda.max_memory_allocated(pred.device) - base
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU],
                 profile_memory=True) as prof:
        fwd_bwd(fn, pred, target)
    records = [e for e in prof.profiler.kineto_results.events()
               if e.name() == '[memory]']
    records.sort(key=lambda e: e.start_ns())
    current = peak = 0
    for e in records:
        current += e.nbytes()
        peak = max(peak, current)
    return peak


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--sizes', type=int, nargs='+',
                   default=[1000, 10000, 100000, 1000000])
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--repeats', type=int, default=20)
    p.add_argument('--dtype', choices=('float32', 'float64'),
                   default='float32')
    p.add_argument('--device', default='cpu', help="'cpu' or 'cuda'")
    p.add_argument('--out', default=None, help='also write a CSV')
    p.add_argument('--no-fused', action='store_true',
                   help='skip the torch.compile rows (they compile first)')
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)
    cands, note = candidates(fused=not args.no_fused)
    device = torch.device(args.device)
    where = describe_device(device)
    print(f'torch {torch.__version__}, {where}, '
          f'{args.dtype}, fwd+bwd median of {args.repeats} after 3 warm-ups')
    print(note)
    rows = []
    for n in args.sizes:
        pred, target = (t.to(device) for t in boxes(n, dtype))
        repeats = max(5, min(args.repeats, int(args.repeats * 1e5 / n)))
        ref = {}
        for name, base, fn in cands:
            ms = time_ms(fn, pred, target, repeats)
            mem = peak_bytes(fn, pred, target)
            if name.startswith('mmdet'):
                ref[base] = (ms, mem)
            rows.append(dict(n=n, loss=name, base=base, ms=ms, mem=mem))
            # each row as it is measured; the ratio tables follow at the end
            print(f'  n={n:.0e}  {name:<34} {ms:9.2f} ms  '
                  f'{mem / 2**20:8.1f} MiB', flush=True)
        for r in rows:
            if r['n'] == n:
                r['time_ratio'] = r['ms'] / ref[r['base']][0]
                r['mem_ratio'] = (r['mem'] / ref[r['base']][1]
                                  if ref[r['base']][1] else float('nan'))
    names = [c[0] for c in cands]
    head = ['loss (ratio vs mmdet, same base)'] + [
        f'n={n:.0e}' for n in args.sizes]
    for what, key, ratio, fmt in (('time ms', 'ms', 'time_ratio', '{:.2f}'),
                                  ('peak MiB', 'mem', 'mem_ratio', '{:.1f}')):
        table = [head]
        for name in names:
            cells = [name]
            for n in args.sizes:
                r = next(x for x in rows if x['n'] == n and x['loss'] == name)
                v = r[key] / 2**20 if key == 'mem' else r[key]
                cells.append(fmt.format(v) + f' ({r[ratio]:.2f}x)')
            table.append(cells)
        widths = [max(len(r[i]) for r in table) for i in range(len(head))]
        print(f'\n{what}:')
        for r in table:
            print('  '.join(c.ljust(w) if i == 0 else c.rjust(w)
                            for i, (c, w) in enumerate(zip(r, widths))))
    if args.out:
        with open(args.out, 'w', newline='') as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        print(f'\ncsv: {args.out}')
    return rows


if __name__ == '__main__':
    main()
