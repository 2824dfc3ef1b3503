"""The models: importing this module registers them in mmdet's registries
(``custom_imports``, :mod:`..registration`).  The environment is checked
first, so a missing mmcv, mmcv-lite or an mmcv out of mmdet's range is a
clear message rather than an error deep inside mmdet."""
from ..environment import check_environment

check_environment()

from ..ops import register_diou_nms  # noqa: E402
from .dense_heads import *  # noqa: F401,F403,E402
from .losses import *  # noqa: F401,F403,E402

register_diou_nms()  # nms=dict(type='diou_nms') in a model's test_cfg
