"""Helpers below every other layer.  Imported lazily (PEP 562): the sweep
CLI reads JSON files without importing torch or mmdet."""
import importlib

_WHERE = {
    'allow_mmengine_checkpoint_globals': 'checkpoint_globals',
    'mmengine_checkpoint_globals': 'checkpoint_globals',
    'mmdet_config_path': 'mmdet_tools',
    'mmdet_tool_path': 'mmdet_tools',
    'run_mmdet_tool': 'mmdet_tools',
    'write_json': 'json_io',
}


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    return getattr(importlib.import_module(f'.{_WHERE[name]}', __name__),
                   name)


__all__ = sorted(_WHERE)
