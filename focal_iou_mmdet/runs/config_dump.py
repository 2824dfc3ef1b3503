"""Values read from the config mmengine dumped when a run trained
(``<run dir>/<run id>.py``: the merged config that actually ran), without
executing it: the file is parsed, never run, and only literal values are
taken.  A report reads what the run used, not what a config or the
environment says now."""
import ast
from typing import Any, Optional, Sequence


class ConfigDumpError(ValueError):
    """The dump is missing, or does not hold the value as a literal."""


def _call_or_dict_items(node: ast.AST):
    """Keys and value nodes of ``dict(k=v, ...)`` or ``{'k': v, ...}``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id == 'dict':
        return {kw.arg: kw.value for kw in node.keywords if kw.arg}
    if isinstance(node, ast.Dict):
        return {k.value: v for k, v in zip(node.keys, node.values)
                if isinstance(k, ast.Constant)}
    return None


def read_literal(path: str, keys: Sequence[str]) -> Any:
    """The literal at ``keys`` (``['val_evaluator', 'ann_file']``) in the
    dumped config ``path``."""
    try:
        with open(path, encoding='utf-8') as f:
            tree = ast.parse(f.read(), filename=path)
    except (OSError, SyntaxError, ValueError) as e:
        raise ConfigDumpError(f'{path}: cannot be read ({e})') from None
    node: Optional[ast.AST] = None
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == keys[0]
                for t in stmt.targets):
            node = stmt.value
    for key in keys[1:]:
        items = _call_or_dict_items(node) if node is not None else None
        node = items.get(key) if items else None
    if node is None:
        raise ConfigDumpError(f'{path}: no {".".join(keys)}')
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise ConfigDumpError(f'{path}: {".".join(keys)} is not a literal'
                              ) from None
