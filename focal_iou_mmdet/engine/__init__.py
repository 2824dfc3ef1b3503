"""Runner-level parts: importing this module registers the hooks and the
evaluation metric (``CocoLocalizationMetric``) in
mmdet's registries and allow-lists mmengine's checkpoint globals for
``torch.load(weights_only=True)``, so ``--resume`` works on torch >= 2.6
(:mod:`..utils.checkpoint_globals`)."""
from ..utils.checkpoint_globals import allow_mmengine_checkpoint_globals
from .hooks import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403

allow_mmengine_checkpoint_globals()
