"""Check a sweep's runs against the real configs and write one small config
per run: ``_base_`` (the detector's config) plus the run's overrides as
nested dicts -- mmengine merges them, nothing is text-replaced.

Every override key is checked at plan time, so a typo fails here, not after
hours in a cluster queue: each dict on its path must exist in the merged
base config; a new leaf must be an argument of the class its dict builds
(``type``); loss dicts are built once with their overrides.
"""
import inspect
import json
import pprint
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

from ..runs import config_path
from ..utils.display import relpath
from .spec.expansion import expand
from .spec.sweep_spec import (BOX_HEAD, Run, SweepSpec, SweepSpecError,
                   default_box_head_path)
from .spec.tracking import tracking_env


def _registries():
    import mmdet.registry as reg
    from ..registration import register_all_modules
    register_all_modules(init_default_scope=True)
    return [reg.MODELS, reg.TASK_UTILS, reg.DATASETS, reg.TRANSFORMS,
            reg.OPTIMIZERS, reg.OPTIM_WRAPPERS, reg.PARAM_SCHEDULERS,
            reg.METRICS, reg.HOOKS, reg.VISBACKENDS, reg.LOOPS]


def _runner_args() -> List[str]:
    from mmengine.runner import Runner
    return [p for p in inspect.signature(Runner.__init__).parameters
            if p != 'self']


def _find_class(type_, registries):
    if not isinstance(type_, str):
        return type_ if inspect.isclass(type_) else None
    for reg in registries:
        try:
            cls = reg.get(type_)
        except Exception:  # noqa: BLE001  (scoped names of other packages)
            cls = None
        if cls is not None:
            return cls
    return None


def _accepts(cls, arg: str) -> Tuple[bool, List[str]]:
    params = inspect.signature(cls.__init__).parameters
    names = [p for p in params if p != 'self']
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return True, names
    return arg in params, names


class _Checker:
    """Checks override keys against merged base configs (cached)."""

    def __init__(self):
        self.registries = _registries()
        self.runner_args = _runner_args()
        self.base_cfgs: Dict[str, dict] = {}
        self.built: Dict[str, Optional[str]] = {}

    def base(self, path: str) -> dict:
        if path not in self.base_cfgs:
            from mmengine.config import Config
            self.base_cfgs[path] = Config.fromfile(path).to_dict()
        return self.base_cfgs[path]

    def resolve(self, run: Run, path: str) -> Dict[str, Any]:
        """The run's overrides with ``box_head.`` made concrete."""
        cfg = self.base(path)
        head = default_box_head_path(cfg.get('model'))
        return {(head + '.' + k[len(BOX_HEAD):] if k.startswith(BOX_HEAD)
                 else k): v for k, v in run.overrides.items()}

    def check(self, run: Run, path: str, overrides: Dict[str, Any]):
        cfg = self.base(path)
        for key in overrides:
            self._check_key(run, cfg, key)
        self._build_losses(run, cfg, overrides)

    def box_loss(self, path: str, overrides: Dict[str, Any]):
        """The box loss config of the merged config (None: not found)."""
        from mmengine.config import Config
        merged = Config(self.base(path))
        merged.merge_from_dict(overrides)
        node = merged.to_dict()
        for part in default_box_head_path(node.get('model')).split('.'):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return node.get('loss_bbox') or node.get('loss_iou')

    def _fail(self, run, key, why):
        raise SweepSpecError(f'run {run.id!r}: key {key!r}: {why} '
                             f'(config {relpath(run.base_config)})')

    def _check_key(self, run, cfg, key):
        parts = key.split('.')
        node, new = cfg, False
        for i, part in enumerate(parts[:-1]):
            where = '.'.join(parts[:i]) or 'the config'
            if isinstance(node, list):
                self._fail(run, key, f'{where} is a list; override the whole '
                           'list instead')
            if new:
                node = {}
                continue
            if isinstance(node, dict) and part in node:
                node = node[part]
                continue
            if i == 0 and part in self.runner_args:
                node, new = {}, True  # e.g. randomness: a Runner argument
                continue
            have = sorted(node) if isinstance(node, dict) else type(node)
            self._fail(run, key, f'{part!r} not found in {where} '
                       f'(it has: {have})')
        leaf = parts[-1]
        if new or (isinstance(node, dict) and leaf in node):
            return
        if not isinstance(node, dict):
            self._fail(run, key, f'{".".join(parts[:-1])} is a '
                       f'{type(node).__name__}, not a dict')
        if len(parts) == 1:
            if leaf in self.runner_args:
                return
            self._fail(run, key, 'not a key of the config nor a Runner '
                       'argument')
        if 'type' in node:
            cls = _find_class(node['type'], self.registries)
            if cls is None:
                return  # a type of another package: mmengine will tell
            ok, names = _accepts(cls, leaf)
            if not ok:
                self._fail(run, key, f'{getattr(cls, "__name__", cls)} '
                           f'takes no argument {leaf!r} (it takes: {names})')
            return
        self._fail(run, key, f'{".".join(parts[:-1])} has no {leaf!r} '
                   f'(it has: {sorted(node)})')

    def _build_losses(self, run, cfg, overrides):
        """Build each loss dict an override touches, so bad values (a
        negative gamma, an unknown iou_variant) fail at plan time too."""
        from mmdet.registry import MODELS
        from mmengine.config import Config
        merged = Config(cfg)
        merged.merge_from_dict(overrides)
        merged = merged.to_dict()
        for key in overrides:
            parts = key.split('.')
            for k in range(len(parts), 0, -1):
                node = merged
                for p in parts[:k]:
                    node = node.get(p) if isinstance(node, dict) else None
                if (isinstance(node, dict) and
                        str(node.get('type', '')).endswith('Loss')):
                    text = json.dumps(node, sort_keys=True, default=str)
                    if text not in self.built:
                        try:
                            MODELS.build(node)
                            self.built[text] = None
                        except Exception as e:  # noqa: BLE001
                            self.built[text] = f'{type(e).__name__}: {e}'
                    if self.built[text]:
                        self._fail(run, '.'.join(parts[:k]),
                                   f'building {node} fails: '
                                   f'{self.built[text]}')
                    break


def _tracking(spec, run, checker, base, overrides) -> Dict[str, Any]:
    """The run's tracker backends (none without ``tracking:``)."""
    if not spec.tracking:
        return {}
    from .spec.tracking import run_params, vis_backends
    params = run_params(run.values, checker.box_loss(base, overrides))
    return {'visualizer.vis_backends': vis_backends(
        spec.tracking, spec.name, spec.work_dir, run.id, params)}


def _nest(overrides: Dict[str, Any]) -> Dict[str, Any]:
    root: Dict[str, Any] = {}
    for key, value in overrides.items():
        node = root
        parts = key.split('.')
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return root


def _py(value) -> str:
    if isinstance(value, dict):
        inner = ', '.join(f'{k}={_py(v)}' if str(k).isidentifier() else
                          f'**{{{k!r}: {_py(v)}}}' for k, v in value.items())
        return f'dict({inner})'
    return pprint.pformat(value, width=10**6)


#: what follows this line in a run's config changes how it is logged, not
#: its results: a spec whose trackers changed does not count as changed
TRACKING_MARK = '# -- trackers (they do not change the results) --'


def config_text(spec: SweepSpec, run: Run, base: str,
                overrides: Dict[str, Any],
                tracking: Optional[Dict[str, Any]] = None) -> str:
    lines = [
        f'# Run {run.id!r} of sweep {spec.name!r}, written by '
        '`tools/sweep.py plan`',
        f'# from {spec.path!r}: edit the spec, not this file.',
        f'# {", ".join(f"{a}={v!r}" for a, v in run.values.items())}',
        f'_base_ = [{base!r}]',
    ]
    for top, value in _nest(overrides).items():
        lines.append(f'{top} = {_py(value)}')
    if tracking:
        if any(k.split('.')[0] == 'visualizer' for k in overrides):
            raise SweepSpecError(f'run {run.id!r}: tracking and an override '
                                 'of visualizer.* cannot be combined')
        lines.append(TRACKING_MARK)
        lines += [f'{top} = {_py(value)}'
                  for top, value in _nest(tracking).items()]
    return '\n'.join(lines) + '\n'


def _results_part(text: Optional[str]) -> Optional[str]:
    return None if text is None else text.split(TRACKING_MARK)[0]


class _PlanProgress:
    """``planning: k/N runs`` on stderr every few seconds, for specs large
    enough to take that long."""

    def __init__(self, total: int, every: float = 2.0):
        self.total, self.every = total, every
        self.start = self.last = time.time()

    def step(self, done: int, what: str) -> None:
        now = time.time()
        if now - self.last >= self.every:
            self.last = now
            print(f'{what}: {done}/{self.total} runs '
                  f'({now - self.start:.0f}s)', file=sys.stderr, flush=True)


def plan(spec: SweepSpec, force: bool = False, write: bool = True,
         runs: Optional[List[Run]] = None) -> List[Run]:
    """Expand (or take ``runs``), check and (``write``) materialise
    ``spec``'s runs in their run folders (config and ``run.json``,
    :class:`~..runs.RunDir`).  A run that already started keeps its config:
    a changed one is an error unless ``force``.  A large spec prints its
    progress on stderr."""
    runs = expand(spec) if runs is None else runs
    checker = _Checker()
    texts, conflicts = {}, []
    progress = _PlanProgress(len(runs))
    for i, run in enumerate(runs):
        progress.step(i, 'checking')
        try:
            base = config_path(run.base_config)
        except FileNotFoundError:
            raise SweepSpecError(
                f'run {run.id!r}: config {run.base_config!r} not found '
                f'(from {spec.configs[run.detector]!r} with '
                f'{dict(run.values)})') from None
        overrides = checker.resolve(run, base)
        checker.check(run, base, overrides)
        overrides.update(spec.run_dir(run.id).prediction_overrides(
            checker.base(base).get('val_evaluator')))
        tracking = _tracking(spec, run, checker, base, overrides)
        run.base_config = base
        run.overrides = overrides
        texts[run.id] = config_text(spec, run, base, overrides, tracking)
        run_dir = spec.run_dir(run.id)
        old = run_dir.config_text()
        if old is not None and _results_part(old) != _results_part(
                texts[run.id]) and run_dir.has_started():
            conflicts.append(run.id)
    if conflicts and not force:
        raise SweepSpecError(
            f'{len(conflicts)} run(s) already started with another config '
            f'(e.g. {conflicts[:3]}): the spec changed under them.  Give the '
            'sweep a new name, or pass --force to overwrite (their results '
            'then mix two configs)')
    if write:
        _write(spec, runs, texts, progress)
    return runs


def _write(spec: SweepSpec, runs: List[Run], texts: Dict[str, str],
           progress: '_PlanProgress') -> None:
    """Write each run's config and ``run.json``; one generated file per
    detector config is parsed in full by mmengine."""
    from mmengine.config import Config
    checked = set()
    for i, run in enumerate(runs):
        progress.step(i, 'writing')
        run_dir = spec.run_dir(run.id)
        run_dir.write_config(texts[run.id])
        run_dir.write_info(dict(
            id=run.id, sweep=spec.name, spec=spec.path,
            values=run.values, base_config=run.base_config,
            overrides=run.overrides, env=dict(spec.env, **tracking_env(
                spec.tracking))))
        if run.base_config not in checked:
            checked.add(run.base_config)
            try:
                Config.fromfile(run_dir.config_file)
            except Exception as e:  # noqa: BLE001
                raise SweepSpecError(
                    f'run {run.id!r}: generated {run_dir.config_file} does '
                    f'not load: {e}') from e

