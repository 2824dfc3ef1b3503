"""Focal IoU loss for MMDetection 3.x.

Importing the package registers its modules in mmdet's registries, so a
config needs only ``custom_imports=dict(imports=['focal_iou_mmdet'])``; it
also lets ``torch.load(weights_only=True)`` read mmengine checkpoints, so
``--resume`` works on torch >= 2.6 (see :mod:`.utils.checkpoint_globals`),
and makes ``nms=dict(type='diou_nms')`` available (:mod:`.ops.diou_nms`).
"""
from .engine import *  # noqa: F401,F403  (registers the hooks)
from .models import *  # noqa: F401,F403  (registers the modules)
from .ops import register_diou_nms
from .utils.checkpoint_globals import allow_mmengine_checkpoint_globals
from .version import __version__  # noqa: F401

allow_mmengine_checkpoint_globals()
register_diou_nms()  # test_cfg.nms=dict(type='diou_nms', ...)
