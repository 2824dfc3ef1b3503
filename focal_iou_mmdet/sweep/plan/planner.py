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
from ...runs.code_identity import SHORT, code_identity
from ...runs.code_snapshot import (config_root_of, snapshot_base, snapshot_of,
                                   take_snapshot)
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


def _snapshot_for(spec: SweepSpec, run_dir, base: str, write: bool,
                  refresh: bool, taken: Dict[str, str]) -> tuple:
    """``(the _base_ the run's config names, its snapshot key or None)``:
    a run keeps the snapshot it was planned with (none if planned before
    snapshots); a new run, or with ``refresh`` one not started yet, gets
    the current code's (:mod:`...runs.code_snapshot`, taken once per
    config tree).  A dry plan takes none."""
    planned = _planned_code(run_dir)
    if planned is not None and not (refresh and not run_dir.has_started()):
        key = planned.get('snapshot')
        snap = snapshot_of(run_dir.path, key)
        root = config_root_of(base)
        if snap is None or root is None:
            return base, None
        return osp.relpath(snapshot_base(snap, root, base),
                           osp.dirname(run_dir.config_file)), key
    root = config_root_of(base)
    if not write or root is None:
        return base, None
    if root not in taken:
        taken[root] = take_snapshot(spec.work_dir, root,
                                    replace_damaged=refresh)
    return osp.relpath(snapshot_base(taken[root], root, base),
                       osp.dirname(run_dir.config_file)), \
        osp.basename(taken[root])


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
    texts, conflicts, taken = {}, [], {}
    if refresh_code and write:  # repair first: started runs may share it
        for root in {config_root_of(b) for b in bases.values()} - {None}:
            taken[root] = take_snapshot(spec.work_dir, root,
                                        replace_damaged=True)
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
        shown, run.snapshot = _snapshot_for(spec, run_dir, base, write,
                                            refresh_code, taken)
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


def _planned_code(run_dir) -> Optional[dict]:
    try:
        return run_dir.read_info().get('code')
    except (OSError, ValueError, AttributeError):
        return None


def code_changes(spec: SweepSpec, runs: List[Run]) -> List[str]:
    """Lines naming the runs not yet done whose planned code (package and
    config hash, recorded by :func:`plan`) differs from this
    installation's: they would train with other code than planned."""
    now: Dict[str, str] = {}
    changed = []
    for run in runs:
        d = spec.run_dir(run.id)
        planned = (_planned_code(d) or {}).get('hash')
        if not planned or d.is_done():
            continue
        base = run.base_config
        if base not in now:
            try:
                now[base] = code_identity([config_path(base)])['hash']
            except FileNotFoundError:
                now[base] = ''
        if now[base] != planned:
            changed.append(f'{run.id} (planned {planned[:SHORT]}, now '
                           f'{now[base][:SHORT] or "its config is gone"})')
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
            codes[run.base_config] = code_identity([run.base_config])
        # the code of the first plan stays (a later one only compares),
        # unless --refresh-code renews it for a run not started
        code = _planned_code(run_dir)
        if code is None or (refresh_code and not run_dir.has_started()):
            code = dict(codes[run.base_config], snapshot=run.snapshot)
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

