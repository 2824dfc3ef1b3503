"""The seeds ``run --until-decided`` added to a sweep, and the options it
decided with: ``<work_dir>/until_decided.json``, written before a round
trains, so a killed command, run again, plans the same runs and retrains
nothing that finished.  A sweep with this record ran in rounds: its
verdicts are the anytime-valid ones (:mod:`..compare.comparison`).
"""
import dataclasses
import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional, Set, Tuple

from ...utils.cli_numbers import Number
from ...utils.json_io import write_json
from .expansion import expand, group_axes, group_key, hashable
from .sweep_spec import Run, SweepSpec, SweepSpecError

#: the record's file name in the sweep's folder
SEQUENTIAL_STATE = 'until_decided.json'


#: the options' ranges, declared once (``run`` and ``seeds`` share
#: ``--max-seeds``, seeds per comparison at most)
MAX_SEEDS = Number(int, 2, 1000)
SEEDS_PER_ROUND = Number(int, 1, 1000)
PRECISION = Number(float, 0, 100, low_open=True)
POLL = Number(float, 0, 86400, low_open=True)
ALPHA = Number(float, 0, 1, low_open=True, high_open=True)
#: ``seeds``: a difference or a spread in points, and the power
POINTS = Number(float, 0, 100, low_open=True)
POWER = Number(float, 0, 1, low_open=True, high_open=True)


@dataclass
class UntilDecided:
    """The options of ``run --until-decided`` (``poll``: seconds between
    checks of a round submitted to a launcher that returns at once, such
    as SLURM; not part of the record)."""
    max_seeds: int = 12
    seeds_per_round: int = 1
    precision: Optional[float] = None
    alpha: float = 0.05
    poll: float = 30.0

    def __post_init__(self):
        MAX_SEEDS.check('--max-seeds', self.max_seeds)
        SEEDS_PER_ROUND.check('--seeds-per-round', self.seeds_per_round)
        if self.precision is not None:
            PRECISION.check('--precision', self.precision)
        ALPHA.check('alpha', self.alpha)
        POLL.check('--poll', self.poll)


def seed_axis_for_rounds(spec: SweepSpec) -> str:
    """The seed axis rounds add seeds to (an error without one)."""
    if spec.seed_axis is None:
        raise SweepSpecError('--until-decided needs a seed axis (seed: '
                             '[0, 1]) to add seeds to')
    return spec.seed_axis


def _state_path(spec: SweepSpec) -> str:
    return osp.join(spec.work_dir, SEQUENTIAL_STATE)


def _read(spec: SweepSpec) -> Optional[dict]:
    path = _state_path(spec)
    if not osp.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def recorded_options(spec: SweepSpec) -> Optional[UntilDecided]:
    """The options the rounds decided with (None: not run in rounds)."""
    data = _read(spec)
    if data is None:
        return None
    known = {f.name for f in dataclasses.fields(UntilDecided)}
    opts = UntilDecided(**{k: v for k, v in data.get('options', {}).items()
                           if k in known})
    if abs(opts.alpha - spec.alpha) > 1e-12:
        raise SweepSpecError(
            f'sweep {spec.name!r} decided its rounds at alpha {opts.alpha:g}'
            f' ({_state_path(spec)}); its spec now says alpha '
            f'{spec.alpha:g}: one level for the whole sweep (put alpha '
            f'{opts.alpha:g} back, or give the sweep a new name)')
    return opts


def added_seeds(spec: SweepSpec) -> List[Tuple[tuple, int]]:
    """``[(group key, seed)]`` the rounds have added so far."""
    data = _read(spec)
    if data is None:
        return []
    return [(hashable(e['group']), int(e['seed'])) for e in data['added']]


def record_rounds(spec: SweepSpec, added: List[Tuple[tuple, int]],
                  opts: UntilDecided) -> None:
    options = dataclasses.asdict(opts)
    del options['poll']
    os.makedirs(spec.work_dir, exist_ok=True)
    write_json(_state_path(spec), dict(
        options=options,
        added=[dict(group=list(g), seed=s) for g, s in added]))


def sweep_runs(spec: SweepSpec) -> List[Run]:
    """The spec's runs and those the ``--until-decided`` rounds added."""
    added = added_seeds(spec)
    if not added:
        return expand(spec)
    axis = seed_axis_for_rounds(spec)
    extra = sorted({s for _, s in added} - set(spec.axes[axis]))
    wider = dataclasses.replace(spec, axes=dict(
        spec.axes, **{axis: list(spec.axes[axis]) + extra}))
    keep: Set[Tuple[tuple, int]] = set(added)
    names = group_axes(spec)
    return [r for r in expand(wider)
            if r.values[axis] in spec.axes[axis] or
            (group_key(r.values, names), r.values[axis]) in keep]


__all__ = ['SEQUENTIAL_STATE', 'UntilDecided', 'added_seeds',
           'record_rounds', 'recorded_options',
           'seed_axis_for_rounds', 'sweep_runs']
