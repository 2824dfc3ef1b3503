from .mmdet_tools import mmdet_config_path, mmdet_tool_path, run_mmdet_tool

__all__ = ['mmdet_config_path', 'mmdet_tool_path', 'run_mmdet_tool']
