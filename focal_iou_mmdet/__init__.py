"""Focal IoU loss for MMDetection 3.x.

Importing the package registers its modules in mmdet's registries, so a
config needs only ``custom_imports=dict(imports=['focal_iou_mmdet'])``; it
also lets ``torch.load(weights_only=True)`` read mmengine checkpoints, so
``--resume`` works on torch >= 2.6 (see :mod:`.utils.checkpoint_globals`),
and makes ``nms=dict(type='diou_nms')`` available (:mod:`.ops.diou_nms`).
First it checks that torch, mmcv (with its compiled ops) and mmengine are
installed and that mmdet accepts them (:mod:`.environment`).
"""
from .environment import check_environment

check_environment()

from .engine import *  # noqa: E402,F401,F403  (registers the hooks)
from .models import *  # noqa: E402,F401,F403  (registers the modules)
from .ops import register_diou_nms  # noqa: E402
from .utils.checkpoint_globals import \
    allow_mmengine_checkpoint_globals  # noqa: E402
from .version import __version__  # noqa: E402,F401

allow_mmengine_checkpoint_globals()
register_diou_nms()  # test_cfg.nms=dict(type='diou_nms', ...)
