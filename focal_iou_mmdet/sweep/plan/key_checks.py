"""Plan-time checks of a run's override keys against the real configs:
each dict on a key's path must exist in the merged base config; a new leaf
must be an argument of the class its dict builds (``type``); loss dicts
are built once with their overrides, so a typo or a bad value fails here,
not after hours in a cluster queue."""
import inspect
import json
from typing import Any, Dict, List, Optional, Tuple

from ...utils.display import relpath
from ..spec.sweep_spec import (BOX_HEAD, Run, SweepSpecError,
                               default_box_head_path)


def _registries():
    import mmdet.registry as reg
    from ...registration import register_all_modules
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


class KeyChecker:
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
        node = _merged(self.base(path), overrides)
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
        try:
            merged = _merged(cfg, overrides)
        except (TypeError, ValueError, KeyError) as e:
            raise SweepSpecError(
                f'run {run.id!r}: its overrides do not merge into '
                f'{relpath(run.base_config)}: '
                f'{str(e).splitlines()[0][:300]}') from None
        from ...models.box_loss_check import box_loss_problems
        problems = box_loss_problems(merged.get('model'))
        if problems:
            raise SweepSpecError(f'run {run.id!r}: {problems[0]} (config '
                                 f'{relpath(run.base_config)})')
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


def _merged(cfg: dict, overrides: Dict[str, Any]) -> dict:
    """``cfg`` with the dotted ``overrides`` merged as mmengine does."""
    from mmengine.config import Config
    merged = Config(cfg)
    merged.merge_from_dict(overrides)
    return merged.to_dict()
