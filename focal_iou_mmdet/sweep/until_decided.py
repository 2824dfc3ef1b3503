"""``run --until-decided``: seeds added in rounds to exactly the
comparisons that are still undecided, until each is decided or has
``--max-seeds`` seeds.

Round 0 trains the spec's own seeds.  After each round every comparison
gets its anytime-valid decision (:mod:`..analysis.sequential`, which may be
looked at after every seed); each undecided one below the limit gets the
next ``--seeds-per-round`` seeds, for its variant and its baseline.  The
seeds added are recorded in ``<work_dir>/until_decided.json`` before they
train, so a killed command, run again, plans the same runs and retrains
nothing that finished.  The report of such a sweep gives the sequential
verdicts (:mod:`.report.verdicts`).
"""
import dataclasses
import json
import os.path as osp
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional, Set, Tuple

from ..utils.json_io import write_json
from .expansion import expand, group_axes, group_key, hashable
from .spec import Run, SweepSpec, SweepSpecError, config_key

#: the record of the seeds the rounds added, in the sweep's folder (a sweep
#: with one ran in rounds: its verdicts are the anytime-valid ones)
SEQUENTIAL_STATE = 'until_decided.json'

if TYPE_CHECKING:
    from .state import SweepState


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
        checks = (('--max-seeds', self.max_seeds, self.max_seeds >= 2,
                   'at least 2'),
                  ('--seeds-per-round', self.seeds_per_round,
                   self.seeds_per_round >= 1, 'at least 1'),
                  ('--precision', self.precision, self.precision is None or
                   0 < self.precision < float('inf'), 'a number > 0'),
                  ('--poll', self.poll, 0 < self.poll < float('inf'),
                   'seconds > 0'))
        for flag, value, ok, need in checks:
            if not ok:
                raise ValueError(f'{flag} must be {need}, got {value!r}')


def _seed_axis(spec: SweepSpec) -> str:
    axis = next((a for a in spec.axes if config_key(a) == 'randomness.seed'),
                None)
    if axis is None:
        raise SweepSpecError('--until-decided needs a seed axis (seed: '
                             '[0, 1]) to add seeds to')
    return axis


def _state_path(spec: SweepSpec) -> str:
    return osp.join(spec.work_dir, SEQUENTIAL_STATE)


def ran_until_decided(spec: SweepSpec) -> bool:
    return osp.exists(_state_path(spec))


def added_seeds(spec: SweepSpec) -> List[Tuple[tuple, int]]:
    """``[(group key, seed)]`` the rounds have added so far."""
    path = _state_path(spec)
    if not osp.exists(path):
        return []
    with open(path) as f:
        data = json.load(f)
    return [(hashable(e['group']), int(e['seed'])) for e in data['added']]


def sweep_runs(spec: SweepSpec) -> List[Run]:
    """The spec's runs and those the ``--until-decided`` rounds added."""
    added = added_seeds(spec)
    if not added:
        return expand(spec)
    axis = _seed_axis(spec)
    extra = sorted({s for _, s in added} - set(spec.axes[axis]))
    wider = dataclasses.replace(spec, axes=dict(
        spec.axes, **{axis: list(spec.axes[axis]) + extra}))
    keep: Set[Tuple[tuple, int]] = set(added)
    names = group_axes(spec)
    return [r for r in expand(wider)
            if r.values[axis] in spec.axes[axis] or
            (group_key(r.values, names), r.values[axis]) in keep]


def _record(spec: SweepSpec, added: List[Tuple[tuple, int]],
            opts: UntilDecided) -> None:
    options = dataclasses.asdict(opts)
    del options['poll']
    write_json(_state_path(spec), dict(
        options=options,
        added=[dict(group=list(g), seed=s) for g, s in added]))


def _next_round(spec, runs, opts) -> List[Tuple[tuple, int]]:
    """Decide every comparison; the (group, seed) pairs to add next."""
    from ..analysis.sequential import decide
    from .pilot import comparisons
    axis = _seed_axis(spec)
    next_seed = max(r.values[axis] for r in runs) + 1
    new = []
    for comp in comparisons(spec, runs):
        d = decide(comp.differences, opts.alpha, opts.precision) \
            if comp.differences else None
        n = len(comp.differences)
        print(f'  {comp.label()}: ' + (d.format() if d else 'no seed pair'),
              flush=True)
        if (d is None or d.verdict == 'undecided') and n < opts.max_seeds:
            k = min(opts.seeds_per_round, opts.max_seeds - n)
            for s in range(next_seed, next_seed + k):
                new += [(comp.key, s), (comp.baseline, s)]
    return sorted(set(new), key=lambda e: (e[1], str(e[0])))


def _warn_if_too_few(opts: UntilDecided) -> None:
    from ..analysis.sequential import fewest_seeds_to_decide
    fewest = fewest_seeds_to_decide(opts.alpha)
    if opts.max_seeds < fewest:
        print(f'note: the anytime {100 * (1 - opts.alpha):.0f}% sequence '
              f'decides nothing before {fewest} seeds; with --max-seeds '
              f'{opts.max_seeds} every comparison ends undecided',
              flush=True)


def run_until_decided(spec: SweepSpec, launcher, opts: UntilDecided,
                      retry_failed: bool = False, force: bool = False) -> int:
    """Rounds of training and deciding (see the module doc); the exit
    code: 0 when every round trained, 1 when a run failed or stopped."""
    from .plan import plan
    from .state import SweepState
    _seed_axis(spec)
    _warn_if_too_few(opts)
    added = added_seeds(spec)
    _record(spec, added, opts)  # marks the sweep as sequential
    for round_no in range(1, 10**6):
        runs = plan(spec, force, runs=sweep_runs(spec))
        print(f'round {round_no}: {len(runs)} runs', flush=True)
        if not _train(launcher, SweepState(spec, runs), retry_failed, force,
                      opts.poll):
            print('a run failed or was stopped: no decision on incomplete '
                  'rounds (run the same command again to go on)',
                  flush=True)
            return 1
        new = [e for e in _next_round(spec, runs, opts) if e not in added]
        if not new:
            print('every comparison is decided or has its --max-seeds '
                  f'{opts.max_seeds} seeds', flush=True)
            return 0
        added += new
        _record(spec, added, opts)


def _train(launcher, sweep: 'SweepState', retry_failed, force,
           poll: float) -> bool:
    """Train (or submit and wait for) the round's runs; True when all are
    done."""
    for _ in range(3):  # a submission whose tasks stopped is resubmitted
        code = launcher.launch(sweep, retry_failed, force)
        if launcher.blocks:  # trained, or stopped (a signal): no retry
            return code == 0 and sweep.counts()['done'] == len(sweep.runs)
        while True:
            c = sweep.counts()
            if not c['queued'] and not c['running']:
                break
            time.sleep(poll)
        if c['done'] == len(sweep.runs):
            return True
        if c['failed'] or c['unreadable']:
            return False
    return False
