"""A run's generated config: its ``_base_`` plus its overrides, each a
top-level assignment of a Python *literal* (nested mappings, lists,
strings, numbers, booleans, None) written by :func:`literal` -- no call,
no name, no spec text outside a string literal, so nothing in a spec can
become code when mmengine executes the file.  Its comment lines hold only
the run id and the sweep's name, which the schema restricts to plain
folder names (:mod:`..spec.schema`)."""
import ast
import math
import os.path as osp
from typing import Any, Dict, Optional

from ..spec.sweep_spec import Run, SweepSpec, SweepSpecError

#: what follows this line in a run's config changes how it is logged, not
#: its results: a spec whose trackers changed does not count as changed
TRACKING_MARK = '# -- trackers (they do not change the results) --'


def literal(value: Any) -> str:
    """``value`` as Python literal source (``repr`` of each scalar; a
    mapping with string keys, a list, a tuple as a list); ValueError for
    anything else, and for a float that is not finite."""
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f'{value!r} has no literal')
        return repr(value)
    if isinstance(value, (list, tuple)):
        return '[' + ', '.join(literal(v) for v in value) + ']'
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise ValueError(f'a config key must be a string: {k!r}')
        return '{' + ', '.join(f'{k!r}: {literal(v)}'
                               for k, v in value.items()) + '}'
    raise ValueError(f'{type(value).__name__} {value!r} has no literal')


def nest(overrides: Dict[str, Any]) -> Dict[str, Any]:
    """Dotted keys as nested mappings (``a.b: 1`` -> ``{'a': {'b': 1}}``)."""
    root: Dict[str, Any] = {}
    for key, value in overrides.items():
        node = root
        parts = key.split('.')
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return root


def _assignments(overrides: Dict[str, Any]):
    for top, value in nest(overrides).items():
        if not top.isidentifier():
            raise SweepSpecError(f'config key {top!r} is not an identifier')
        yield f'{top} = {literal(value)}'


def config_text(spec: SweepSpec, run: Run, base: str,
                overrides: Dict[str, Any],
                tracking: Optional[Dict[str, Any]] = None) -> str:
    """The run's config file (see the module doc)."""
    lines = [f'# Run {run.id} of sweep {spec.name}, written by '
             '`tools/sweep.py plan`: edit the spec, not this file.',
             f'_base_ = {literal([base])}']
    lines += _assignments(overrides)
    if tracking:
        if any(k.split('.')[0] == 'visualizer' for k in overrides):
            raise SweepSpecError(f'run {run.id!r}: tracking and an override '
                                 'of visualizer.* cannot be combined')
        lines.append(TRACKING_MARK)
        lines += _assignments(tracking)
    return '\n'.join(lines) + '\n'


def results_part(text: Optional[str]) -> Optional[str]:
    """A config's text without its tracker lines (None stays None)."""
    return None if text is None else text.split(TRACKING_MARK)[0]


def _base_name(line: str) -> str:
    try:
        bases = ast.literal_eval(line.split('=', 1)[1].strip())
        return repr([osp.basename(b) for b in bases])
    except (ValueError, SyntaxError, TypeError, IndexError):
        return line


def _without_outfile(line: str) -> Optional[str]:
    """A ``val_evaluator = {...}`` line without ``outfile_prefix`` (which
    configs planned before 0.1 held: a path, not what the run is); None
    when nothing else is left."""
    try:
        value = ast.literal_eval(line.split('=', 1)[1].strip())
    except (ValueError, SyntaxError):
        return line
    if not isinstance(value, dict) or 'outfile_prefix' not in value:
        return line
    value.pop('outfile_prefix')
    return f'val_evaluator = {value!r}' if value else None


def comparable(text: Optional[str]) -> Optional[str]:
    """What a run's config says, wherever the sweep or the package lies:
    its :func:`results_part` with each ``_base_`` path cut to its file
    name (a moved sweep, another virtual environment) and no detections
    path."""
    text = results_part(text)
    if text is None:
        return None
    out = []
    for line in text.splitlines():
        if line.startswith('_base_ = '):
            line = f'_base_ = {_base_name(line)}'
        elif line.startswith('val_evaluator = '):
            line = _without_outfile(line)
        if line is not None:
            out.append(line)
    return '\n'.join(out)


__all__ = ['TRACKING_MARK', 'comparable', 'config_text', 'literal', 'nest',
           'results_part']
