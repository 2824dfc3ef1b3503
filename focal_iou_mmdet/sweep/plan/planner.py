"""Stage 2 of a sweep: check a sweep's runs against the real configs and write one small config
per run: ``_base_`` (the detector's config) plus the run's overrides as
literal nested mappings (:mod:`.run_config`) -- mmengine merges them,
nothing is text-replaced.

Every override key is checked at plan time, so a typo fails here, not after
hours in a cluster queue: each dict on its path must exist in the merged
base config; a new leaf must be an argument of the class its dict builds
(``type``); loss dicts are built once with their overrides.
"""
import os.path as osp
import sys
import time
from typing import Any, Dict, List, Optional

from ...runs import config_path
from ...runs.code_identity import SHORT
from ...runs.code_snapshot import snapshot_of, take_snapshot
from ...runs.config_lookup import config_root_of
from ...runs.config_chain import (ConfigChainError, chain_identity,
                                  config_chain, identity_difference)
from ...runs.snapshot_layout import snapshot_layout
from ...runs.config_lookup import shipped_config_roots
from ..spec.expansion import expand
from ..spec.sweep_spec import Run, SweepSpec, SweepSpecError
from ..spec.tracking import run_params, tracking_env, vis_backends
from .key_checks import KeyChecker
from .run_config import comparable, config_text


def _tracking(spec, run, checker, base, overrides) -> Dict[str, Any]:
    """The run's tracker backends (none without ``tracking:``)."""
    if not spec.tracking:
        return {}
    params = run_params(run.values, checker.box_loss(base, overrides))
    return {'visualizer.vis_backends': vis_backends(
        spec.tracking, spec.name, spec.work_dir, run.id, params)}


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


def _base_configs(spec: SweepSpec, runs: List[Run]) -> Dict[str, str]:
    """Each run's config file (the run id -> its path)."""
    out = {}
    for run in runs:
        try:
            out[run.id] = config_path(run.base_config)
        except FileNotFoundError:
            raise SweepSpecError(
                f'run {run.id!r}: config {run.base_config!r} not found '
                f'(from {spec.configs[run.detector]!r} with '
                f'{dict(run.values)})') from None
    return out


def say_code_outside(spec: SweepSpec, paths) -> List[str]:
    """Print (and return) the config files the plan will execute that lie
    outside this package's configs and the spec's own folder: a config is
    Python, and runs as code (``docs/reliability.md``)."""
    roots = [osp.realpath(r) for r in shipped_config_roots()] + [
        osp.realpath(osp.dirname(spec.path))]
    outside = sorted({p for p in paths if not any(
        osp.realpath(p).startswith(r + osp.sep) for r in roots)})
    if outside:
        print('note: these config files run as Python code when planned '
              'and trained; they lie outside focal_iou_mmdet and the spec\'s '
              'folder, so review them as code:\n' +
              '\n'.join(f'  {p}' for p in outside), flush=True)
    return outside


class _Snapshots:
    """The plan's snapshots (:mod:`...runs.code_snapshot`): each run's
    config chain laid out once per config file, a snapshot taken once per
    content (with ``refresh``, a damaged one is replaced)."""

    def __init__(self, spec: SweepSpec, refresh: bool):
        self.spec, self.refresh = spec, refresh
        self.layouts: Dict[str, Any] = {}
        self.taken: Dict[tuple, str] = {}

    def layout(self, base: str):
        if base not in self.layouts:
            try:
                self.layouts[base] = snapshot_layout(config_chain(base))
            except (ConfigChainError, OSError) as e:
                raise SweepSpecError(str(e)) from None
        return self.layouts[base]

    def take(self, base: str) -> tuple:
        """``(snapshot folder, the run's entry in it)``."""
        layout = self.layout(base)
        group = (layout.config_root, tuple(sorted(
            layout.user_configs.items())))
        if group not in self.taken:
            self.taken[group] = take_snapshot(
                self.spec.work_dir, layout.config_root, self.refresh,
                layout.user_configs)
        return self.taken[group], layout.entry

    def for_run(self, run_dir, base: str, write: bool) -> tuple:
        """``(the _base_ the run's config names, its snapshot key, its
        entry)``: a run keeps the snapshot it was planned with (none if
        planned before snapshots); a new run, or with ``refresh`` one not
        started yet, gets the current code's.  A dry plan takes none."""
        planned = run_dir.planned_code()
        here = osp.dirname(run_dir.config_file)
        if planned is not None and not (self.refresh and
                                        not run_dir.has_started()):
            key = planned.get('snapshot')
            snap = snapshot_of(run_dir.path, key)
            root = config_root_of(base)
            entry = planned.get('entry') or (
                'configs/' + osp.relpath(osp.realpath(base), root)
                if root else None)
            if snap is None or entry is None:
                return base, None, None
            return osp.relpath(osp.join(snap, entry), here), key, entry
        if not write:
            return base, None, None
        snap, entry = self.take(base)
        return osp.relpath(osp.join(snap, entry), here), \
            osp.basename(snap), entry


def plan(spec: SweepSpec, force: bool = False, write: bool = True,
         runs: Optional[List[Run]] = None,
         refresh_code: bool = False) -> List[Run]:
    """Expand (or take ``runs``), check and (``write``) materialise
    ``spec``'s runs in their run folders (config and ``run.json``,
    :class:`~..runs.RunDir`).  A run that already started keeps its config:
    a changed one is an error unless ``force``.  A large spec prints its
    progress on stderr."""
    runs = expand(spec) if runs is None else runs
    bases = _base_configs(spec, runs)
    say_code_outside(spec, bases.values())
    checker = KeyChecker()
    texts, conflicts = {}, []
    snapshots = _Snapshots(spec, refresh_code)
    if refresh_code and write:  # repair first: started runs may share it
        for base in set(bases.values()):
            snapshots.take(base)
    progress = _PlanProgress(len(runs))
    for i, run in enumerate(runs):
        progress.step(i, 'checking')
        base = bases[run.id]
        overrides = checker.resolve(run, base)
        checker.check(run, base, overrides)
        tracking = _tracking(spec, run, checker, base, overrides)
        run.base_config = base
        run.overrides = overrides
        run_dir = spec.run_dir(run.id)
        shown, run.snapshot, run.snapshot_entry = snapshots.for_run(
            run_dir, base, write)
        texts[run.id] = config_text(spec, run, shown, overrides, tracking)
        old = run_dir.config_text()
        if old is not None and comparable(old) != comparable(
                texts[run.id]) and run_dir.has_started():
            conflicts.append(run.id)
    if conflicts and not force:
        raise SweepSpecError(
            f'{len(conflicts)} run(s) already started with another config '
            f'(e.g. {conflicts[:3]}): the spec changed under them.  Give the '
            'sweep a new name, or pass --force to overwrite (their results '
            'then mix two configs)')
    if write:
        _write(spec, runs, texts, progress, refresh_code)
    return runs


def _identity_now(base: str) -> dict:
    """The code a run of ``base`` would train with if planned now."""
    try:
        return chain_identity(config_chain(config_path(base)))
    except (FileNotFoundError, ConfigChainError, OSError):
        return dict(hash='')


def code_changes(spec: SweepSpec, runs: List[Run]) -> List[str]:
    """Lines naming the runs not yet done whose planned code (the package,
    the config files they share and mmdet's version, recorded by
    :func:`plan`) differs from what is installed now, and what changed:
    they train with the sweep's snapshot of the planned code."""
    now: Dict[str, dict] = {}
    changed = []
    for run in runs:
        d = spec.run_dir(run.id)
        planned = d.planned_code() or {}
        if not planned.get('hash') or d.is_done():
            continue
        if run.base_config not in now:
            now[run.base_config] = _identity_now(run.base_config)
        current = now[run.base_config]
        if current['hash'] != planned['hash']:
            what = identity_difference(planned, current) if current['hash'] \
                else ['its config is gone']
            changed.append(f'{run.id} (planned {planned["hash"][:SHORT]}, '
                           f'now {current["hash"][:SHORT] or "-"}: '
                           f'{", ".join(what[:3])})')
    if not changed:
        return []
    return [f'note: the code installed now differs from the plan\'s for '
            f'{len(changed)} run(s) not done yet, e.g. {changed[0]}: they '
            'train with the sweep\'s snapshot of the planned code '
            '(run --refresh-code gives those not started the code installed '
            'now); the report names each run\'s code']


def _write(spec: SweepSpec, runs: List[Run], texts: Dict[str, str],
           progress: '_PlanProgress', refresh_code: bool = False) -> None:
    """Write each run's config and ``run.json``; one generated file per
    detector config is parsed in full by mmengine."""
    from mmengine.config import Config
    checked = set()
    codes: Dict[str, dict] = {}  # per base config: the plan's code
    for i, run in enumerate(runs):
        progress.step(i, 'writing')
        run_dir = spec.run_dir(run.id)
        run_dir.write_config(texts[run.id])
        if run.base_config not in codes:
            codes[run.base_config] = chain_identity(config_chain(
                run.base_config))
        # the code of the first plan stays (a later one only compares),
        # unless --refresh-code renews it for a run not started
        code = run_dir.planned_code()
        if code is None or (refresh_code and not run_dir.has_started()):
            code = dict(codes[run.base_config], snapshot=run.snapshot,
                        entry=run.snapshot_entry)
        run_dir.write_info(dict(
            id=run.id, sweep=spec.name, spec=spec.path,
            values=run.values, base_config=run.base_config,
            overrides=run.overrides, env=dict(spec.env, **tracking_env(
                spec.tracking)), code=code))
        if run.base_config not in checked:
            checked.add(run.base_config)
            try:
                Config.fromfile(run_dir.config_file)
            except Exception as e:  # noqa: BLE001
                raise SweepSpecError(
                    f'run {run.id!r}: generated {run_dir.config_file} does '
                    f'not load: {e}') from e

