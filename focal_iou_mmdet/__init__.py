"""Focal IoU loss for MMDetection 3.x.

Importing the package registers its modules in mmdet's registries, so a
config needs only ``custom_imports=dict(imports=['focal_iou_mmdet'])``.
"""
from .models import *  # noqa: F401,F403  (registers the modules)
from .version import __version__  # noqa: F401
