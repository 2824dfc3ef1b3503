"""Focal IoU loss for MMDetection 3.x.

Importing the package registers its modules in mmdet's registries, so a
config needs only ``custom_imports=dict(imports=['focal_iou_mmdet'])``; it
also lets ``torch.load(weights_only=True)`` read mmengine checkpoints, so
``--resume`` works on torch >= 2.6 (see :mod:`.utils.checkpoint_globals`).
"""
from .engine import *  # noqa: F401,F403  (registers the hooks)
from .models import *  # noqa: F401,F403  (registers the modules)
from .utils.checkpoint_globals import allow_mmengine_checkpoint_globals
from .version import __version__  # noqa: F401

allow_mmengine_checkpoint_globals()
