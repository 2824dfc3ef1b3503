"""Focal IoU loss for MMDetection 3.x.

Importing the package registers its modules in mmdet's registries, so a
config needs only ``custom_imports=dict(imports=['focal_iou_mmdet'])``; it
also lets ``torch.load(weights_only=True)`` read mmengine checkpoints, so
``--resume`` works on torch >= 2.6 (see :mod:`.utils.checkpoint_globals`),
and makes ``nms=dict(type='diou_nms')`` available (:mod:`.ops.diou_nms`).
First it checks that torch, mmcv (with its compiled ops) and mmengine are
installed and that mmdet accepts them (:mod:`.environment`).

All of that happens when mmdet is there to ask for it: at once when mmdet
is already imported (``custom_imports``, mmdet's tools, a script that
imported mmdet first), otherwise right after mmdet is first imported
(:mod:`.registration`); the checkpoint allow-list also at once when torch
is imported already.  So the sweep CLI, which reads a few
hundred JSON files, imports neither torch nor mmdet unless a command needs
them.
"""
from .registration import register_when_mmdet_is_imported
from .version import __version__  # noqa: F401

register_when_mmdet_is_imported()
