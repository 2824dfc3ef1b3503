from .checkpoint_globals import (allow_mmengine_checkpoint_globals,
                                 mmengine_checkpoint_globals)
from .json_io import write_json
from .mmdet_tools import mmdet_config_path, mmdet_tool_path, run_mmdet_tool

__all__ = [
    'allow_mmengine_checkpoint_globals', 'mmengine_checkpoint_globals',
    'mmdet_config_path', 'mmdet_tool_path', 'run_mmdet_tool', 'write_json'
]
