"""The GPU self-check (``pytest -m cuda``; every test here skips without
CUDA): AMP (fp16) training steps with a focal loss per detector family,
``fused=True`` on CUDA against the eager loss (fp32 and fp16 inputs), and
the loss benchmark on the device.  DIoU-NMS on CUDA against CPU is in
test_diou_nms.py.  None of this has run on a GPU yet unless the README's
GPU section names the card it ran on."""
import os

import numpy as np
import pytest
import torch
from helpers import ROOT, random_boxes
from mmengine.config import Config
from mmengine.registry import init_default_scope

from focal_iou_mmdet import register_all_modules
from focal_iou_mmdet.models.losses import FocalIoULoss
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs

register_all_modules()

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA'),
]

FOCAL_CONFIGS = {
    'ssd300': ('ssd/ssd300_focal-ciou_coco.py', 300),
    'retinanet': ('retinanet/retinanet_r50_fpn_focal-diou_1x_coco.py', 320),
    'faster-rcnn': ('faster_rcnn/faster-rcnn_r50_fpn_focal-ciou_1x_coco.py',
                    320),
}


@pytest.mark.parametrize('family', list(FOCAL_CONFIGS))
def test_amp_fp16_training_step(family):
    path, size = FOCAL_CONFIGS[family]
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', path))
    cfg.model.backbone.init_cfg = dict(type='Kaiming', layer='Conv2d')
    init_default_scope('mmdet')
    torch.manual_seed(0)
    np.random.seed(0)
    model = MODELS.build(cfg.model).cuda()
    model.init_weights()
    model.train()
    data = demo_mm_inputs(batch_size=2, image_shapes=[(3, size, size)] * 2,
                          num_items=[3, 4], num_classes=80)
    data = model.data_preprocessor(data, training=True)
    scaler = torch.amp.GradScaler('cuda')
    with torch.autocast('cuda', dtype=torch.float16):
        losses = model(**data, mode='loss')
        total, _ = model.parse_losses(losses)
    assert torch.isfinite(total), losses
    for k, v in losses.items():
        if 'loss_bbox' in k:
            assert torch.isfinite(sum(v) if isinstance(v, list) else v), k
    scaler.scale(total).backward()
    scaler.unscale_(torch.optim.SGD(model.parameters(), lr=0.0))
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize('dtype', [torch.float32, torch.float16])
@pytest.mark.parametrize('variant', ['iou', 'giou', 'diou', 'ciou', 'eiou'])
def test_fused_on_cuda_equals_eager(variant, dtype):
    cfg = dict(iou_variant=variant)
    eager = FocalIoULoss(**cfg)
    fused = FocalIoULoss(fused=True, **cfg)
    pred, target = random_boxes(4096, seed=1, dtype=torch.float32)
    pred, target = pred.cuda().to(dtype), target.cuda().to(dtype)
    weight = torch.rand(4096, 4, device='cuda')
    outs = []
    for loss in (eager, fused):
        p = pred.clone().requires_grad_(True)
        value = loss(p, target, weight=weight, avg_factor=100.0)
        value.backward()
        outs.append((value.detach().float(), p.grad.float()))
    assert fused.fused  # compiled (Triton), not fallen back
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == torch.float32 else \
        dict(rtol=2e-2, atol=2e-3)
    torch.testing.assert_close(outs[1][0], outs[0][0], **tol)
    torch.testing.assert_close(outs[1][1], outs[0][1], **tol)


def test_loss_benchmark_runs_on_cuda(capsys):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'benchmark_loss', os.path.join(ROOT, 'tools', 'benchmarks', 'benchmark_loss.py'))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.main(['--device', 'cuda', '--sizes', '10000', '--repeats',
                       '5'])
    assert rows and all(r['ms'] > 0 for r in rows)
