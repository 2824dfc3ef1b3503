"""DIoU-NMS: hand-made cases, equality with greedy NMS for coinciding
centres, degenerate inputs, and a real test-time forward per detector."""
import os

import pytest
import torch
from helpers import ROOT, seeded_detector
from mmcv.ops import batched_nms, nms
from mmengine.config import Config

from focal_iou_mmdet import register_all_modules
import mmdet  # noqa: F401
from focal_iou_mmdet.ops import diou_nms

register_all_modules()

A = [0.0, 0.0, 10.0, 10.0]            # the top-scoring box
FAR = [3.5, 0.0, 13.5, 10.0]          # IoU 0.4815, centres 3.5 apart
S = 10 * (0.4815**0.5)                # concentric, same IoU, distance 0
NEAR = [5 - S / 2, 5 - S / 2, 5 + S / 2, 5 + S / 2]


def case():
    boxes = torch.tensor([A, FAR, NEAR])
    scores = torch.tensor([0.9, 0.8, 0.7])
    return boxes, scores


def test_same_iou_far_box_survives_only_diou_nms():
    boxes, scores = case()
    _, greedy = nms(boxes, scores, iou_threshold=0.45)
    assert greedy.tolist() == [0]  # IoU 0.48 > 0.45: both suppressed
    _, keep = diou_nms(boxes, scores, iou_threshold=0.45)
    # FAR: 0.4815 - 12.25 / 282.25 = 0.438 < 0.45 -> kept; NEAR: no penalty
    assert keep.tolist() == [0, 1]


def test_beta_changes_the_outcome_as_the_formula_says():
    boxes, scores = case()
    # (rho^2/c^2)^beta = 0.0434^2 = 0.0019 -> 0.4796 > 0.45 -> suppressed
    _, keep = diou_nms(boxes, scores, iou_threshold=0.45, beta=2.0)
    assert keep.tolist() == [0]
    # beta = 0.5: penalty 0.208 -> far box kept, and NEAR still suppressed
    _, keep = diou_nms(boxes, scores, iou_threshold=0.45, beta=0.5)
    assert keep.tolist() == [0, 1]


@pytest.mark.parametrize('seed', range(5))
@pytest.mark.parametrize('thr', [0.3, 0.5, 0.7])
def test_equals_greedy_nms_when_centres_coincide(seed, thr):
    g = torch.Generator().manual_seed(seed)
    n = 300
    half = torch.rand(n, 2, generator=g) * 30 + 1
    boxes = torch.cat([50 - half, 50 + half], -1)
    scores = torch.rand(n, generator=g)
    d1, k1 = nms(boxes, scores, iou_threshold=thr)
    d2, k2 = diou_nms(boxes, scores, iou_threshold=thr)
    assert k1.tolist() == k2.tolist()
    torch.testing.assert_close(d1, d2)


def test_empty_one_identical_and_ties():
    dets, keep = diou_nms(torch.zeros(0, 4), torch.zeros(0), 0.5)
    assert dets.shape == (0, 5) and keep.numel() == 0
    dets, keep = diou_nms(torch.tensor([A]), torch.tensor([0.3]), 0.5)
    assert keep.tolist() == [0] and dets[0, 4] == 0.3
    same = torch.tensor([A] * 4)
    _, keep = diou_nms(same, torch.tensor([0.2, 0.9, 0.9, 0.1]), 0.5)
    assert keep.tolist() == [1]  # tie 0.9/0.9: the lower index wins
    boxes = torch.tensor([[0., 0, 1, 1], [5, 5, 6, 6], [9, 9, 10, 10]])
    for _ in range(3):  # all tied, disjoint: stable index order every time
        _, keep = diou_nms(boxes, torch.full((3, ), 0.5), 0.5)
        assert keep.tolist() == [0, 1, 2]
    _, keep = diou_nms(boxes, torch.tensor([0.5, 0.01, 0.9]), 0.5,
                       score_threshold=0.05, max_num=1)
    assert keep.tolist() == [2]


def test_batched_nms_picks_it_by_name_and_is_class_aware():
    boxes, scores = case()
    boxes = torch.cat([boxes, boxes])
    scores = torch.cat([scores, scores])
    labels = torch.tensor([0, 0, 0, 1, 1, 1])
    dets, keep = batched_nms(boxes, scores, labels,
                             dict(type='diou_nms', iou_threshold=0.45))
    assert sorted(keep.tolist()) == [0, 1, 3, 4]
    _, keep = batched_nms(boxes, scores, labels,
                          dict(type='nms', iou_threshold=0.45))
    assert sorted(keep.tolist()) == [0, 3]


DETECTORS = [
    ('ssd/ssd300_focal-ciou_diou-nms_coco.py', 300),
    ('ssd/ssd512_diou-nms_coco.py', 512),
    ('retinanet/retinanet_r50_fpn_focal-ciou_diou-nms_1x_coco.py', 256),
    ('faster_rcnn/faster-rcnn_r50_fpn_diou-nms_1x_coco.py', 256),
]


@pytest.mark.slow
@pytest.mark.parametrize('cfg_name,size', DETECTORS)
def test_detector_predicts_with_diou_nms(cfg_name, size, monkeypatch):
    import importlib
    mmcv_nms = importlib.import_module('mmcv.ops.nms')
    calls = []

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return diou_nms(*args, **kwargs)

    monkeypatch.setattr(mmcv_nms, 'diou_nms', spy)
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', cfg_name))
    cfg.model.backbone.init_cfg = dict(type='Kaiming', layer='Conv2d')
    test_cfg = cfg.model.test_cfg.get('rcnn', cfg.model.test_cfg)
    test_cfg.score_thr = 0.0  # untrained scores: let boxes reach the NMS
    model, data = seeded_detector(cfg.model, 'eval', 2, size, [2, 2], 80)
    with torch.no_grad():
        out = model.test_step(data)
    assert len(out) == 2 and calls
    assert all(c.get('beta') == 1.0 for c in calls)
    for sample in out:
        bboxes = sample.pred_instances.bboxes
        assert bboxes.shape[1] == 4 and torch.isfinite(bboxes).all()


@pytest.mark.parametrize('beta', [1.0, 0.9, 2.0])
@pytest.mark.parametrize('block', [1024, 64, 7])
def test_blocked_scan_keeps_the_greedy_definitions_boxes(beta, block):
    """The blocked bitmask scan that diou_nms runs on every device (forced
    on CPU here) keeps exactly the boxes of the box-by-box greedy
    definition, for any block size and with max_num."""
    from focal_iou_mmdet.ops.diou_nms import _greedy_bits, greedy_reference
    g = torch.Generator().manual_seed(7)
    c = torch.rand(400, 2, generator=g) * 100
    wh = torch.rand(400, 2, generator=g) * 30 + 5
    boxes = torch.cat([c, c + wh], -1)
    for thr in (0.3, 0.5):
        a = _greedy_bits(boxes, thr, beta, -1, block=block)
        b = greedy_reference(boxes, thr, beta, -1)
        assert a.tolist() == b.tolist()
        assert len(a) > 20
        assert _greedy_bits(boxes, thr, beta, 9, block=block).tolist() == \
            b[:9].tolist()


def test_falls_back_to_eager_when_compiling_fails(monkeypatch):
    import importlib
    mod = importlib.import_module('focal_iou_mmdet.ops.diou_nms')

    def broken(*args):
        raise RuntimeError('no C++ compiler')
    monkeypatch.setattr(mod, '_compiled_suppression', broken)
    boxes = torch.tensor([[0., 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    with pytest.warns(UserWarning, match='no C.. compiler.*eager'):
        _, keep = mod.diou_nms(boxes, scores, 0.5)
    assert keep.tolist() == [0, 2]
    assert mod._compiled_suppression is False
    _, keep = mod.diou_nms(boxes, scores, 0.5)  # eager from now on
    assert keep.tolist() == [0, 2]


def _random_dets(n, seed=0, device='cpu'):
    g = torch.Generator().manual_seed(seed)
    c = torch.rand(n, 2, generator=g) * 300
    wh = torch.rand(n, 2, generator=g) * 60 + 4
    scores = torch.rand(n, generator=g)
    return torch.cat([c, c + wh], -1).to(device), scores.to(device)


@pytest.mark.cuda
@pytest.mark.parametrize('n', [1000, 10000])
def test_cuda_diou_nms_equals_cpu(n):
    """GPU self-check: the same kept boxes on CUDA as on CPU."""
    if not torch.cuda.is_available():
        pytest.skip('needs CUDA')
    boxes, scores = _random_dets(n, seed=n)
    _, keep_cpu = diou_nms(boxes, scores, 0.5)
    dets, keep_gpu = diou_nms(boxes.cuda(), scores.cuda(), 0.5)
    assert keep_gpu.is_cuda and dets.is_cuda
    assert keep_gpu.cpu().tolist() == keep_cpu.tolist()


def test_scores_at_or_below_zero_are_kept_as_mmcv_keeps_them():
    boxes = torch.tensor([[0., 0., 10., 10.], [50., 50., 60., 60.],
                          [100., 100., 110., 110.]])
    scores = torch.tensor([0.5, 0.0, -0.2])
    dets, keep = diou_nms(boxes, scores, 0.5)
    _, mmcv_keep = nms(boxes, scores, 0.5)
    assert keep.tolist() == mmcv_keep.tolist() == [0, 1, 2]
    # a positive score_threshold filters, as in mmcv
    assert diou_nms(boxes, scores, 0.5, score_threshold=0.1)[1].tolist() == [0]


@pytest.mark.parametrize('bad', [float('nan'), float('inf')])
def test_non_finite_boxes_suppress_nothing_as_in_mmcv(bad):
    boxes = torch.tensor([[0., 0., bad, 10.], [0., 0., 10., 10.],
                          [1., 1., 10., 10.], [50., 50., 60., 60.]])
    scores = torch.tensor([0.9, 0.8, 0.7, 0.6])
    _, keep = diou_nms(boxes, scores, 0.5)
    _, mmcv_keep = nms(boxes, scores, 0.5)
    assert keep.tolist() == mmcv_keep.tolist() == [0, 1, 3]


@pytest.mark.parametrize('kwargs,name', [
    (dict(iou_threshold=float('nan')), 'iou_threshold'),
    (dict(iou_threshold=0.5, beta=float('nan')), 'beta'),
    (dict(iou_threshold=0.5, beta=float('inf')), 'beta'),
])
def test_nan_threshold_or_beta_is_refused(kwargs, name):
    boxes, scores = torch.rand(3, 4), torch.rand(3)
    with pytest.raises(ValueError, match=name):
        diou_nms(boxes, scores, **kwargs)


@pytest.mark.parametrize('boxes, scores', [
    ((5, 4), (4,)),      # one score short: never 4 detections of 5 boxes
    ((5, 4), (6,)),
    ((5, 5), (5,)),      # rotated or scored boxes are not xyxy
    ((5,), (5,)),
    ((5, 4), (5, 1)),
])
def test_boxes_and_scores_must_agree(boxes, scores):
    with pytest.raises(ValueError) as e:
        diou_nms(torch.rand(boxes) * 10, torch.rand(scores), 0.5)
    assert str(e.value) == ('diou_nms needs boxes of shape (n, 4) and scores '
                            f'of shape (n,), got boxes {boxes} and scores '
                            f'{scores}')
