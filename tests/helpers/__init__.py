"""Helpers shared by the tests (import them: ``from helpers import ...``;
``tests/`` is on ``sys.path`` through its conftest)."""
import contextlib
import json
import os
import subprocess
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
SHARED = os.path.abspath(os.path.join(ROOT, '..', 'shared'))
# The Aquarium copy beside this repository (CI has it); AQUARIUM_ROOT, the
# variable the configs read, points elsewhere.  Tests that need it skip
# where it is absent.
AQUARIUM = os.environ.get('AQUARIUM_ROOT') or os.path.join(
    SHARED, 'datasets', 'aquarium')
GOLDEN = os.path.join(ROOT, 'tests', 'data', 'golden')
#: the sweep tool as a user runs it from a checkout
SWEEP = [sys.executable, os.path.join(ROOT, 'tools', 'sweep.py')]
#: the SLURM tests that wait minutes for the cluster run only with
#: FOCAL_IOU_LONG_CLUSTER_TESTS=1 (``make test`` stays within 6 min; all the
#: cluster tests share one pytest worker): the real time-limit requeue of
#: test_slurm.py and the signals other than USR2 of test_slurm_signals.py
LONG_CLUSTER_TESTS = bool(os.environ.get('FOCAL_IOU_LONG_CLUSTER_TESTS'))
#: the CPU RetinaNet config of the shapes set, by loss
SHAPES_RETINANET = 'retinanet_r18-c16_fpn_{loss}_12e_shapes.py'


def random_boxes(n, seed=0, dtype=torch.float64, overlap=True):
    """``n`` pairs of valid xyxy boxes (sizes 4..60); overlapping when
    ``overlap`` (the target is the prediction jittered)."""
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g, dtype=torch.float64) * 100
    wh = torch.rand(n, 2, generator=g, dtype=torch.float64) * 56 + 4
    pred = torch.cat([xy, xy + wh], -1)
    if overlap:
        jitter = (torch.rand(n, 4, generator=g, dtype=torch.float64) - 0.5)
        target = pred + jitter * torch.cat([wh, wh], -1) * 0.6
        x1 = torch.min(target[:, 0], target[:, 2] - 1)
        y1 = torch.min(target[:, 1], target[:, 3] - 1)
        target = torch.stack([x1, y1, target[:, 2], target[:, 3]], -1)
    else:
        xy2 = torch.rand(n, 2, generator=g, dtype=torch.float64) * 100
        wh2 = torch.rand(n, 2, generator=g, dtype=torch.float64) * 56 + 4
        target = torch.cat([xy2, xy2 + wh2], -1)
    return pred.to(dtype), target.to(dtype)


def subprocess_env(**extra):
    """The environment of a tool run as a user would: unbuffered output, the
    installed package (no PYTHONPATH into the checkout)."""
    env = dict(os.environ, PYTHONUNBUFFERED='1', **extra)
    env.pop('PYTHONPATH', None)
    return env


_HOLD_LOCK = """import fcntl, os, socket, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, f"{os.getpid()} {socket.gethostname()}\\n".encode())
print("locked", flush=True)
time.sleep(120)
"""


@contextlib.contextmanager
def lock_held_elsewhere(path):
    """Another live process holds an flock on ``path`` (and wrote its pid
    and host into it, as our worker does); yields that process."""
    proc = subprocess.Popen([sys.executable, '-c', _HOLD_LOCK, str(path)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == 'locked'
        yield proc
    finally:
        proc.kill()
        proc.wait()




def write_status(run_dir, **fields):
    """A status record made up for a test (no transition): the state a
    test starts from."""
    from focal_iou_mmdet.runs import RunStatus
    return run_dir.write_status(RunStatus(**fields))


def write_spec(path, **spec):
    """A YAML spec file from keyword arguments."""
    import yaml
    with open(path, 'w') as f:
        yaml.safe_dump(spec, f, sort_keys=False)
    return str(path)


def write_scalars(run_dir, records):
    """mmengine's scalars.json of a run: one JSON record a line."""
    vis = os.path.join(run_dir.path, '20260101_000000', 'vis_data')
    os.makedirs(vis, exist_ok=True)
    with open(os.path.join(vis, 'scalars.json'), 'w') as f:
        for rec in records:
            f.write(json.dumps(rec) + '\n')


def fake_coco_run(run_dir, aps, state='done', seconds=60.0):
    """A finished run whose COCO evaluation gave ``aps`` per epoch."""
    write_scalars(run_dir, [
        {'coco/bbox_mAP': ap, 'coco/bbox_mAP_50': ap, 'coco/bbox_mAP_75': ap,
         'coco/bbox_mAP_s': ap / 2, 'coco/bbox_mAP_m': ap,
         'coco/bbox_mAP_l': -1.0, 'step': epoch}
        for epoch, ap in enumerate(aps, 1)])
    write_status(run_dir, state=state, attempts=1,
                 sessions=[dict(seconds=seconds, exit=0)])


def golden(name, text):
    """``text`` equals the golden file ``name`` (UPDATE_GOLDEN=1 rewrites
    it)."""
    path = os.path.join(GOLDEN, name)
    if os.environ.get('UPDATE_GOLDEN'):
        os.makedirs(GOLDEN, exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
    with open(path) as f:
        assert text == f.read(), f'{name} changed; UPDATE_GOLDEN=1 rewrites it'


def attempts_of(run_dir):
    """The sections of a run's training log, one per attempt."""
    log = open(run_dir.train_log).read()
    return log.split('===== attempt ')[1:]


def seeded_detector(model_cfg, mode: str, batch: int, size: int,
                    num_items, num_classes: int):
    """A detector built from ``model_cfg`` with seed 0 (from-scratch
    init), in ``mode`` ('train'/'eval'), and mmdet's demo inputs for it."""
    import numpy as np
    from mmdet.registry import MODELS
    from mmdet.testing import demo_mm_inputs
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')
    torch.manual_seed(0)
    np.random.seed(0)  # demo_mm_inputs draws boxes with numpy
    model = MODELS.build(model_cfg)
    model.init_weights()
    model.train(mode == 'train')
    data = demo_mm_inputs(batch_size=batch,
                          image_shapes=[(3, size, size)] * batch,
                          num_items=list(num_items), num_classes=num_classes)
    return model, data
