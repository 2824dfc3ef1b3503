"""DIoU-NMS (ours: torch, its pairwise kernel fused by torch.compile)
against mmcv's compiled greedy ``nms``: median
time over repeats for 1e3 and 1e4 boxes, printed with the ratio.

    python tools/benchmarks/benchmark_nms.py [--device cpu|cuda] [--sizes 1000 10000]
        [--repeats 10] [--threads 2] [--iou-threshold 0.5] [--beta 1.0]
"""
import argparse
import statistics
import time

import torch
from mmcv.ops import nms

from focal_iou_mmdet.ops import diou_nms
from focal_iou_mmdet.utils.devices import describe_device, synchronize


def detections(n, seed=0):
    """Clustered boxes, as a detector's candidates are: 1 object / 50."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.rand(max(n // 50, 1), 2, generator=g) * 800
    pick = torch.randint(0, centres.shape[0], (n, ), generator=g)
    c = centres[pick] + torch.randn(n, 2, generator=g) * 8
    wh = torch.rand(n, 2, generator=g) * 60 + 20
    return torch.cat([c - wh / 2, c + wh / 2], -1), torch.rand(n, generator=g)


def median_ms(fn, repeats, device):
    def timed():
        t = time.perf_counter()
        fn()
        synchronize(device)
        return (time.perf_counter() - t) * 1e3
    timed()
    return statistics.median(timed() for _ in range(repeats))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--sizes', type=int, nargs='+', default=[1000, 10000])
    p.add_argument('--repeats', type=int, default=10)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--iou-threshold', type=float, default=0.5)
    p.add_argument('--beta', type=float, default=1.0)
    p.add_argument('--device', default='cpu', help="'cpu' or 'cuda'")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    where = describe_device(device)
    print(f'{where}, median of {args.repeats}, '
          f'iou_threshold {args.iou_threshold}, beta {args.beta} (the first '
          'call compiles DIoU-NMS\'s kernel; it is not timed)')
    print(f'{"boxes":>7}  {"mmcv nms ms":>11}  {"diou_nms ms":>11}  '
          f'{"ratio":>6}  kept (nms / diou)')
    rows = []
    for n in args.sizes:
        boxes, scores = (t.to(device) for t in detections(n))
        thr = args.iou_threshold
        a = median_ms(lambda: nms(boxes, scores, thr), args.repeats, device)
        b = median_ms(lambda: diou_nms(boxes, scores, thr, beta=args.beta),
                      args.repeats, device)
        ka = nms(boxes, scores, thr)[1].numel()
        kb = diou_nms(boxes, scores, thr, beta=args.beta)[1].numel()
        print(f'{n:>7}  {a:>11.2f}  {b:>11.2f}  {b / a:>5.1f}x  {ka} / {kb}',
              flush=True)
        rows.append(dict(n=n, nms_ms=a, diou_ms=b, ratio=b / a))
    return rows


if __name__ == '__main__':
    main()
