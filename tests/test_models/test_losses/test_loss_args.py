"""The loss's arguments: a weight is (n,) or (n, 4) or the error names the
shapes, and a call that fails changes no state (Wise-IoU's running
mean)."""
import pytest
import torch
from helpers import random_boxes

from focal_iou_mmdet.models.losses import FocalIoULoss


@pytest.mark.parametrize('formula', ['focal_iou', 'wise_iou'])
@pytest.mark.parametrize('shape', [(7,), (9,), (1,), (8, 4, 1), (8, 1),
                                   (1, 4), (4, 8)])
def test_a_weight_of_another_shape_names_it(formula, shape):
    pred, target = random_boxes(8, dtype=torch.float32)
    loss = FocalIoULoss(formula=formula).train()
    with pytest.raises(ValueError) as e:
        loss(pred, target, torch.ones(shape))
    assert str(e.value) == (f'weight must have shape (8,) or (8, 4) for pred '
                            f'of shape (8, 4), got {shape}')


@pytest.mark.parametrize('shape', [(8,), (8, 4)])
def test_the_two_weight_shapes_agree(shape):
    pred, target = random_boxes(8, dtype=torch.float64)
    loss = FocalIoULoss(iou_variant='ciou')
    w = torch.ones(shape, dtype=torch.float64)
    assert loss(pred, target, w) == pytest.approx(loss(pred, target).item())


@pytest.mark.parametrize('avg_factor', [0.0, -1.0, float('nan')])
def test_a_failed_call_leaves_the_running_mean_as_it_was(avg_factor):
    pred, target = random_boxes(8, dtype=torch.float32)
    loss = FocalIoULoss(formula='wise_iou').train()
    loss(pred, target)  # the mean moves once
    before = loss.wiou_mean.clone()
    for bad in (dict(avg_factor=avg_factor),
                dict(weight=torch.ones(7), avg_factor=8.0)):
        with pytest.raises(ValueError):
            loss(pred, target, **bad)
        assert torch.equal(loss.wiou_mean, before)
    loss(pred, target, avg_factor=8.0)
    assert not torch.equal(loss.wiou_mean, before)


def test_empty_input_with_empty_weight_is_an_exact_zero():
    empty = torch.zeros((0, 4))
    out = FocalIoULoss()(empty, empty, torch.zeros(0), avg_factor=0.0)
    assert out.item() == 0
