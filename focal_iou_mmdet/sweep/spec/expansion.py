"""A spec expanded into its runs: the product over the axes (zipped groups
varying together, exclusions dropped), each with a stable, readable id and
the config it inherits (:mod:`.spec` says what the axes are)."""
import itertools
import re
from collections import OrderedDict
from typing import Any, Dict, List

from ...utils.display import relpath
from .sweep_spec import (BASELINE_VALUE, Run, SweepSpec, SweepSpecError,
                   config_key, is_template_axis)


def fill_template(template: str, values: Dict[str, Any]) -> str:
    """``{axis}`` placeholders filled; the value ``baseline`` (or '')
    removes the placeholder and one ``_`` next to it."""
    out = template
    for ph in re.findall(r'{([^}]*)}', template):
        v = str(values[ph])
        token = '{' + ph + '}'
        if v in (BASELINE_VALUE, ''):
            if '_' + token in out:
                out = out.replace('_' + token, '', 1)
            elif token + '_' in out:
                out = out.replace(token + '_', '', 1)
            else:
                out = out.replace(token, '', 1)
        else:
            out = out.replace(token, v, 1)
    return out


def _token(value) -> str:
    text = str(value)
    if isinstance(value, float) and value == int(value) and abs(value) < 1e6:
        text = f'{value:.1f}'
    token = re.sub(r'[^A-Za-z0-9.+-]+', '-', text).rstrip('-')
    if not text.startswith('-'):
        token = token.lstrip('-')
    return token or 'none'


def _short_names(axes: List[str]) -> Dict[str, str]:
    """A short, unique name per key axis for run ids: the last key part
    (``gamma``), longer where two would clash."""
    out = {}
    for a in axes:
        parts = a.split('.')
        for k in range(1, len(parts) + 1):
            short = '-'.join(parts[-k:]).replace('_', '-')
            if a == 'randomness.seed':
                short = 'seed'
            clash = [b for b in axes if b != a and
                     '-'.join(b.split('.')[-k:]).replace('_', '-') == short]
            if not clash:
                break
        out[a] = short
    return out


def run_id(values: Dict[str, Any], axes: List[str]) -> str:
    """Stable and readable: ``<detector>_<template values>_<key><value>``,
    e.g. ``retinanet_focal-ciou_gamma1.0_seed0``.  It depends only on the
    run's own values, so growing a sweep never renames a finished run."""
    keyed = [a for a in axes if not is_template_axis(a)]
    short = _short_names([config_key(a) for a in keyed])
    parts = []
    for a in axes:
        if is_template_axis(a):
            parts.append(_token(values[a]))
        elif values[a] is not None:  # None: the config's own value
            name = 'seed' if a == 'seed' else ('epochs' if a == 'epochs'
                                               else short[config_key(a)])
            parts.append(name + _token(values[a]))
    return '_'.join(parts)


def group_axes(spec: SweepSpec) -> List[str]:
    """The axes that define a group of runs: every axis but the seed."""
    return [a for a in spec.axes if config_key(a) != 'randomness.seed']


def hashable(value):
    """An axis value as a key: lists (e.g. ``focaler_interval: [0, 0.95]``)
    become tuples, mappings sorted tuples of items."""
    if isinstance(value, (list, tuple)):
        return tuple(hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, hashable(v)) for k, v in value.items()))
    return value


def group_key(values: Dict[str, Any], axes: List[str]) -> tuple:
    """The key of the group a run belongs to (its values but the seed)."""
    return tuple(hashable(values[a]) for a in axes)


def _excluded(values: Dict[str, Any], exclude: List[Dict[str, list]]) -> bool:
    return any(all(values[a] in vs for a, vs in entry.items())
               for entry in exclude)


def expand(spec: SweepSpec) -> List[Run]:
    """All runs of ``spec``, in a stable order (product over the axes in
    their written order, zipped groups varying together, exclusions
    dropped)."""
    # each zip group becomes one factor of tuples
    factors, order = [], []
    grouped = {a for g in spec.zip for a in g}
    for axis, values in spec.axes.items():
        if axis in grouped:
            group = next(g for g in spec.zip if axis in g)
            if group[0] != axis:
                continue
            factors.append(list(zip(*[spec.axes[a] for a in group])))
            order.append(tuple(group))
        else:
            factors.append([(v,) for v in values])
            order.append((axis,))
    runs, ids = [], {}
    names = list(spec.axes)
    for combo in itertools.product(*factors):
        values = OrderedDict()
        for axes, vals in zip(order, combo):
            values.update(zip(axes, vals))
        values = OrderedDict((a, values[a]) for a in names)
        if _excluded(values, spec.exclude):
            continue
        rid = run_id(values, names)
        if rid.lower() in ids:
            other, first = ids[rid.lower()]
            raise SweepSpecError(
                f'two runs get the id {rid!r}' + (
                    f' and {other!r} (they differ only in case: one folder '
                    'on macOS and some network shares)' if other != rid
                    else '') + f': {first} and {dict(values)}; make the axis '
                'values differ in their text')
        ids[rid.lower()] = (rid, dict(values))
        template = spec.configs[values['detector']]
        overrides = {config_key(a): v for a, v in values.items()
                     if not is_template_axis(a) and v is not None}
        overrides = dict({config_key(k): v for k, v in spec.options.items()},
                         **overrides)
        runs.append(Run(rid, values, fill_template(template, values),
                        overrides))
    if not runs:
        raise SweepSpecError('the spec gives no runs (all excluded?)')
    return runs


def spec_summary(spec: SweepSpec, runs: List[Run],
                 show: int = 4) -> str:
    factors = []
    for axis, values in spec.axes.items():
        group = next((g for g in spec.zip if axis in g), None)
        if group is None:
            factors.append(f'{len(values)} {axis}')
        elif group[0] == axis:  # a zip group counts once, by its rows
            factors.append(f'{len(values)} ({", ".join(group)})')
    lines = [f'sweep {spec.name!r}: {len(runs)} runs ({" x ".join(factors)}'
             + (f', {len(spec.exclude)} exclusion(s)' if spec.exclude else '')
             + f') in {relpath(spec.work_dir)}']
    for run in runs[:show]:
        lines.append(f'  {run.id}')
    if len(runs) > show:
        lines.append(f'  ... ({len(runs) - show} more)')
    return '\n'.join(lines)


