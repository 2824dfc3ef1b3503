"""A sweep spec: one small YAML (or JSON) file that names the runs; data,
never code (its keys and values: :mod:`.schema`).

Example (``configs/sweeps/`` has more)::

    name: gamma-ablation                 # default: the file's stem
    configs:                             # axis 'detector': name -> config
      retinanet: retinanet_r50_fpn_{loss}_1x_coco.py
      faster-rcnn: faster-rcnn_r50_fpn_{loss}_1x_coco.py
    axes:                                # product, in run-id order
      loss: [baseline, iou, focal-iou, focal-ciou]
      box_head.loss_bbox.gamma: [1.0, 2.0, 3.0]
      seed: [0, 1, 2]
    zip: []                              # groups of axes that vary together
    exclude:                             # combinations to drop
      - {loss: [baseline, iou], box_head.loss_bbox.gamma: [1.0, 3.0]}
    options: {train_cfg.val_interval: 1} # fixed overrides for every run
    baseline: {loss: iou}                # what report's deltas compare to
    env: {OMP_NUM_THREADS: 1}

Axes are of three kinds:

* a *template* axis (``loss`` above) fills ``{loss}`` in the config names;
  the value ``baseline`` drops the placeholder and one ``_`` beside it, so
  ``ssd300_{loss}_coco.py`` names ``ssd300_coco.py``, mmdet's loss;
* a *config key* (dotted): its value overrides that key.  ``box_head.`` is
  the box head of each detector (``model.bbox_head`` for one-stage,
  ``model.roi_head.bbox_head`` for two-stage detectors);
* the aliases ``seed`` (``randomness.seed``) and ``epochs``
  (``train_cfg.max_epochs``).

A key axis value ``null`` leaves the config's own value (and is left out of
the run id): ``gamma: [null, 1.0]`` runs the default and gamma 1.

This module only expands the spec (no mmdet import); :mod:`.plan` checks the
keys against the real configs and writes the run configs.
"""
import os.path as osp
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ...analysis.verdicts import DEFAULT_ALPHA
from ...runs import RunDir
from .schema import validate
from .spec_file import read_spec_file
from .values import (SweepSpecError, check_alias_value, check_env,
                          check_name, check_number, check_path)

ALIASES = {'seed': 'randomness.seed', 'epochs': 'train_cfg.max_epochs'}
BASELINE_VALUE = 'baseline'
BOX_HEAD = 'box_head.'


@dataclass
class Run:
    """One planned run: its id, its axis values, and the config it
    inherits (``base_config``) plus the key overrides (``overrides``, with
    ``box_head.`` still unresolved)."""
    id: str
    values: 'OrderedDict[str, Any]'
    base_config: str
    overrides: Dict[str, Any] = field(default_factory=dict)
    #: the sweep's code snapshot it trains with (set by plan; None: the
    #: code installed when it starts)
    snapshot: Optional[str] = None
    #: its own config inside the snapshot (a relative path)
    snapshot_entry: Optional[str] = None

    @property
    def detector(self) -> str:
        return self.values['detector']


@dataclass
class SweepSpec:
    name: str
    path: str
    work_dir: str
    configs: 'OrderedDict[str, str]'
    axes: 'OrderedDict[str, list]'
    zip: List[List[str]]
    exclude: List[Dict[str, list]]
    options: Dict[str, Any]
    baseline: Dict[str, Any]
    env: Dict[str, str]
    #: trackers every run logs to (:mod:`.tracking`)
    tracking: List[Any] = field(default_factory=list)
    #: the error level of every interval, verdict and plan (``alpha:``)
    alpha: float = DEFAULT_ALPHA

    def run_dir(self, run_id: str) -> RunDir:
        return RunDir(osp.join(self.work_dir, run_id))

    @property
    def seed_axis(self) -> Optional[str]:
        """The axis that sets ``randomness.seed`` (None: no seed axis):
        the runs of a group differ only in it."""
        return next((a for a in self.axes
                     if config_key(a) == 'randomness.seed'), None)


def is_template_axis(axis: str) -> bool:
    return '.' not in axis and axis not in ALIASES


def config_key(axis: str) -> str:
    """The dotted config key an axis overrides (aliases resolved)."""
    return ALIASES.get(axis, axis)


def _as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _must_be_list(what: str, value) -> list:
    """A spec value that must be a list: a string such as ``'0, 1'`` is a
    mistake, not one value."""
    if not isinstance(value, (list, tuple)):
        hint = (f"; write [{value}]" if isinstance(value, str) and ',' in value
                else '')
        raise SweepSpecError(f'{what} must be a list, got the '
                             f'{type(value).__name__} {value!r}{hint}')
    return list(value)


def _repeated(values: list):
    """The first pair of equal values (1 and 1.0 are equal after YAML
    typing: they would give two runs with the same config)."""
    for i, a in enumerate(values):
        for b in values[:i]:
            if a == b and isinstance(a, bool) == isinstance(b, bool):
                return b, a
    return None


def load_spec(path: str, work_root: str = 'work_dirs') -> SweepSpec:
    """Read and check the structure of a sweep spec file (keys, axes, zip,
    exclude); config keys are checked later, by :func:`.plan.plan`."""
    return make_spec(read_spec_file(path), path, work_root)


def make_spec(data: dict, path: str, work_root: str = 'work_dirs'
              ) -> SweepSpec:
    """A spec from its mapping (a file's content, or one built in code;
    ``path`` names where it came from), checked against the declared
    schema (:mod:`.schema`) and then for its meaning."""
    validate(data, path)
    name = check_name('name', data.get('name') or
                      osp.splitext(osp.basename(path))[0])
    configs = _configs(data.get('configs'))
    zipped = {str(a) for g in (data.get('zip') or [])
              if isinstance(g, (list, tuple)) for a in g}
    axes = _axes(data.get('axes') or {}, configs, zipped)
    zips = _zips(data.get('zip') or [], axes)
    exclude = _exclude(data.get('exclude') or [], axes)
    options = data.get('options') or {}
    if not isinstance(options, dict):
        raise SweepSpecError(f"'options' must map config keys to values, got "
                             f'{options!r}')
    options = dict(options)
    for key, value in options.items():
        check_alias_value(key, value, "'options'")
        check_number(f'options: {key}', value)
    baseline = _baseline(data.get('baseline'), axes)
    env = check_env(data.get('env'))
    work_dir = check_path('work_dir', data.get('work_dir') or
                          osp.join(work_root, name))
    from .tracking import check_tracking
    return SweepSpec(name=name, path=osp.abspath(path),
                     work_dir=osp.abspath(work_dir), configs=configs,
                     axes=axes, zip=zips, exclude=exclude, options=options,
                     baseline=baseline, env=env,
                     tracking=check_tracking(data.get('tracking')),
                     alpha=float(data.get('alpha') or DEFAULT_ALPHA))


def _configs(configs) -> 'OrderedDict[str, str]':
    if isinstance(configs, (str, list)):
        configs = {osp.basename(c).split('_')[0]: c for c in _as_list(configs)}
    if not configs or not isinstance(configs, dict):
        raise SweepSpecError(
            "'configs' must map detector names to config files, e.g. "
            "{retinanet: retinanet_r50_fpn_{loss}_1x_coco.py}")
    for k, v in configs.items():
        check_path(f'config of {k!r}', v, template=True)
        if not re.sub(r'{\w+}', '', v).endswith('.py'):
            raise SweepSpecError(f'config of {k!r}: {v!r} is not a config '
                                 'file (a .py name, e.g. '
                                 'retinanet_r50_fpn_{loss}_1x_coco.py)')
    return OrderedDict((check_name('detector', k), v)
                       for k, v in configs.items())


def _axis_values(axis: str, values, configs, zipped: bool = False) -> list:
    """One axis's values, checked (see the module doc for the kinds)."""
    if axis == 'detector':
        raise SweepSpecError("axis 'detector' comes from 'configs'; do "
                             "not list it under 'axes'")
    values = _must_be_list(f'axis {axis!r}', values)
    if not values:
        raise SweepSpecError(f'axis {axis!r} has no values')
    # in a zip group a value may repeat: the group's rows must differ
    rep = None if zipped else _repeated(values)
    if rep:
        raise SweepSpecError(
            f'axis {axis!r} repeats a value: {rep[0]!r} and {rep[1]!r} '
            f'are equal (values: {values})')
    for v in values:
        check_alias_value(axis, v, f'axis {axis!r}')
        check_number(f'axis {axis!r}', v)
        if is_template_axis(axis) and not isinstance(v, str):
            raise SweepSpecError(
                f'axis {axis!r} fills {{{axis}}} in config names: its '
                f'values must be strings, got {v!r}')
    if is_template_axis(axis) and not any(
            '{' + axis + '}' in c for c in configs.values()):
        raise SweepSpecError(
            f'axis {axis!r} is neither a config key (dotted, e.g. '
            f'model.bbox_head.loss_bbox.gamma), an alias '
            f'{sorted(ALIASES)}, nor a {{{axis}}} placeholder in '
            "'configs'")
    return values


def _axes(raw_axes, configs,
          zipped=frozenset()) -> 'OrderedDict[str, list]':
    if not isinstance(raw_axes, dict):
        raise SweepSpecError("'axes' must map axis names to lists of values")
    axes = OrderedDict(detector=list(configs))
    for axis, values in raw_axes.items():
        axes[str(axis)] = _axis_values(str(axis), values, configs,
                                       str(axis) in zipped)
    for det, cfg in configs.items():
        for ph in re.findall(r'{([^}]*)}', cfg):
            if ph not in axes:
                raise SweepSpecError(
                    f'config {cfg!r} of {det!r} has placeholder {{{ph}}} '
                    f"but 'axes' has no {ph!r}")
    return axes


def _zips(raw, axes) -> List[List[str]]:
    zips = [[str(a) for a in _must_be_list('each zip group', g)]
            for g in _must_be_list("'zip'", raw)]
    seen = set()
    for group in zips:
        for a in group:
            if a not in axes or a == 'detector':
                raise SweepSpecError(f'zip group {group}: {a!r} is not an '
                                     f'axis (axes: {list(axes)[1:]})')
            if a in seen:
                raise SweepSpecError(f'axis {a!r} is in two zip groups')
            seen.add(a)
        lengths = {a: len(axes[a]) for a in group}
        if len(set(lengths.values())) > 1:
            raise SweepSpecError(f'zip group {group}: lengths differ '
                                 f'{lengths}')
        rows = list(zip(*[[repr(v) for v in axes[a]] for a in group]))
        if len(set(rows)) < len(rows):
            raise SweepSpecError(f'zip group {group} repeats a row')
    return zips


def _exclude(raw, axes) -> List[Dict[str, list]]:
    exclude = []
    for entry in _must_be_list("'exclude' (a list of mappings axis -> "
                               "value(s))", raw):
        if not isinstance(entry, dict) or not entry:
            raise SweepSpecError(f'exclude entry {entry!r}: expected a '
                                 'mapping axis -> value(s)')
        for a in entry:
            if a not in axes:
                raise SweepSpecError(f'exclude entry {entry}: {a!r} is not '
                                     f'an axis (axes: {list(axes)})')
        exclude.append({str(a): _as_list(v) for a, v in entry.items()})
    return exclude


def _baseline(raw, axes) -> Dict[str, Any]:
    """The comparisons' baseline; default: the first value of the first
    template axis."""
    if raw is not None and not isinstance(raw, dict):
        raise SweepSpecError(f"'baseline' must map an axis to its baseline "
                             f'value, e.g. {{loss: {raw}}}; got {raw!r}')
    baseline = dict(raw or {})
    if not baseline:
        tmpl = [a for a in axes if a != 'detector' and is_template_axis(a)]
        if tmpl:
            baseline = {tmpl[0]: axes[tmpl[0]][0]}
    for a, v in baseline.items():
        if a not in axes or v not in axes[a]:
            raise SweepSpecError(f'baseline {baseline}: {a}={v!r} is not a '
                                 f'value of an axis (axes: {dict(axes)})')
    return baseline


def default_box_head_path(model_cfg: Optional[dict]) -> str:
    """Where a detector's box-regression head lives in its config."""
    if model_cfg and isinstance(model_cfg.get('roi_head'), dict):
        return 'model.roi_head.bbox_head'
    return 'model.bbox_head'
