"""``SSDHead`` that honours a ``loss_bbox`` config.

mmdet 3.3's :class:`~mmdet.models.dense_heads.SSDHead` takes no ``loss_bbox``
and always applies smooth-L1 to the box deltas.  This subclass adds the
argument.  Without it (the default), or with ``SmoothL1Loss`` on deltas, the
loss is exactly mmdet's.  With an IoU-family loss and ``reg_decoded_bbox=True``
it decodes the *positive* anchors only and applies the loss to the decoded
boxes, so a NaN/inf predicted for a negative anchor cannot reach it.

It also fixes mmdet 3.3.0's SSD inference: ``BaseDenseHead`` reads
``self.loss_cls``, which ``SSDHead`` never creates, so every SSD predict fails
with ``AttributeError: 'SSDHead' object has no attribute 'loss_cls'``
(open-mmlab/mmdetection#11305, #11780; unmerged fix #11524).  SSD's
classification loss is the built-in softmax cross-entropy, so ``loss_cls`` is
``None`` here.  Our SSD baselines use this head too (with its default, mmdet's
loss), so every SSD config can validate and test.

Used by all SSD configs of this package (the authors train SSD with
``5 * loc + cls``: Focal-IOU-SSD, ``multibox_loss.py``).
"""
from typing import Optional, Tuple

from mmdet.models.dense_heads import SSDHead
from mmdet.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class SSDHeadWithBoxLoss(SSDHead):
    """SSD head with a configurable box loss.

    Args:
        loss_bbox (dict, optional): config of the box-regression loss.
            Default None: mmdet's smooth-L1 with ``train_cfg.smoothl1_beta``.
        **kwargs: the arguments of :class:`~mmdet.models.dense_heads.SSDHead`.
    """

    def __init__(self, *args, loss_bbox: Optional[dict] = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_bbox = MODELS.build(loss_bbox) if loss_bbox else None
        self.loss_cls = None  # see the module docstring (mmdet #11305)

    def loss_by_feat_single(self, cls_score: Tensor, bbox_pred: Tensor,
                            anchor: Tensor, labels: Tensor,
                            label_weights: Tensor, bbox_targets: Tensor,
                            bbox_weights: Tensor,
                            avg_factor: int) -> Tuple[Tensor, Tensor]:
        """Classification loss as SSDHead (hard-negative mining); box loss
        from ``loss_bbox`` when one is configured."""
        if self.loss_bbox is None:
            return super().loss_by_feat_single(cls_score, bbox_pred, anchor,
                                               labels, label_weights,
                                               bbox_targets, bbox_weights,
                                               avg_factor)
        # SSDHead's box term is computed on zero weights and dropped: its
        # classification term (with hard-negative mining) is what we keep.
        zero = bbox_weights.new_zeros(bbox_weights.shape)
        loss_cls, _ = super().loss_by_feat_single(
            cls_score, bbox_pred.detach(), anchor, labels, label_weights,
            bbox_targets, zero, avg_factor)
        pos = (bbox_weights > 0).any(-1)
        pred = bbox_pred[pos]
        if self.reg_decoded_bbox:
            pred = self.bbox_coder.decode(anchor[pos], pred)
        loss_bbox = self.loss_bbox(
            pred, bbox_targets[pos], bbox_weights[pos], avg_factor=avg_factor)
        return loss_cls, loss_bbox
