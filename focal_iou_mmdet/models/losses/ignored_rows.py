"""Rows a loss must not see: boxes with weight 0 (mmdet's heads pass every
anchor, the negatives with weight 0), and an input with none left.  A NaN
or inf in such a row reaches neither the loss nor the gradient of the
other rows."""
import torch
from torch import Tensor


def without_ignored(pred: Tensor, target: Tensor, keep: Tensor):
    """Rows outside ``keep`` replaced by a harmless unit box."""
    k = keep.unsqueeze(-1)
    dummy = pred.new_tensor([0.0, 0.0, 1.0, 1.0])
    return torch.where(k, pred, dummy), torch.where(k, target, dummy)


def zero_loss(pred: Tensor, reduction: str) -> Tensor:
    """An exact 0 (per box for ``'none'``), still connected to ``pred``
    (DDP needs every parameter in the graph) with a zero gradient, and
    blind to non-finite values in ``pred``."""
    finite = torch.where(torch.isfinite(pred), pred, torch.zeros_like(pred))
    zeros = (finite * 0).sum(-1)
    if pred.dtype in (torch.float16, torch.bfloat16):
        zeros = zeros.float()
    return zeros if reduction == 'none' else zeros.sum()


__all__ = ['without_ignored', 'zero_loss']
