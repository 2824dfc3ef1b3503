"""``run --until-decided``: seeds added in rounds to exactly the
comparisons that are still undecided, until each is decided or has
``--max-seeds`` seeds.

Round 0 trains the spec's own seeds.  After each round every comparison
gets its verdict from :mod:`.compare.comparison` -- anytime-valid, and
corrected over the whole grid (Holm over the anytime p-values, which holds
at any stopping time; :mod:`...analysis.grid_verdicts`).  A comparison
stops when its *corrected* verdict is decided; each other one below the
limit gets the next ``--seeds-per-round`` seeds, for its variant and its
baseline.  The seeds added are recorded (:mod:`.spec.seed_rounds`) before
they train, so a killed command, run again, plans the same runs and
retrains nothing that finished.  The report of such a sweep gives the same
verdicts, from the same code.
"""
import time
from typing import List, Sequence, Tuple

from ..runs.run_status import RunState
from ..analysis.sequential import fewest_seeds_to_decide
from ..analysis.verdicts import level_text
from .compare.comparison import VerdictRule, sweep_comparisons, verdict_line
from .compare.rows import collect, primary_name
from .observe.state import SweepState
from .plan import plan
from .spec import Run, SweepSpec
from .spec.seed_rounds import (UntilDecided, added_seeds, record_rounds,
                               recorded_options, seed_axis_for_rounds,
                               sweep_runs)


def next_round(spec: SweepSpec, runs: Sequence[Run], opts: UntilDecided
               ) -> List[Tuple[tuple, int]]:
    """Decide every comparison (printing its verdict line); the
    ``(group, seed)`` pairs to add next."""
    axis = seed_axis_for_rounds(spec)
    next_seed = max(r.values[axis] for r in runs) + 1
    rows = collect(spec, list(runs))
    metric = primary_name(rows)
    new = []
    rule = VerdictRule.sequential(opts)  # the options it holds, not a file
    for comp in sweep_comparisons(spec, runs, rule, rows):
        print('  ' + verdict_line(comp, metric), flush=True)
        n = comp.verdict.n if comp.verdict else 0
        if (comp.verdict is None or not comp.verdict.decided) and \
                n < opts.max_seeds:
            k = min(opts.seeds_per_round, opts.max_seeds - n)
            for s in range(next_seed, next_seed + k):
                new += [(comp.key, s), (comp.baseline, s)]
    return sorted(set(new), key=lambda e: (e[1], str(e[0])))


def _warn_if_too_few(opts: UntilDecided) -> None:
    fewest = fewest_seeds_to_decide(opts.alpha)
    if opts.max_seeds < fewest:
        print(f'note: the anytime {level_text(opts.alpha)} sequence '
              f'decides nothing before {fewest} seeds; with --max-seeds '
              f'{opts.max_seeds} every comparison ends undecided',
              flush=True)


def run_until_decided(spec: SweepSpec, launcher, opts: UntilDecided,
                      retry_failed: bool = False, force: bool = False) -> int:
    """Rounds of training and deciding (see the module doc); the exit
    code: 0 when every round trained, 1 when a run failed or stopped."""
    seed_axis_for_rounds(spec)
    recorded_options(spec)  # an error where the record's level differs
    _warn_if_too_few(opts)
    added = added_seeds(spec)
    record_rounds(spec, added, opts)  # marks the sweep as sequential
    for round_no in range(1, 10**6):
        runs = plan(spec, force, runs=sweep_runs(spec))
        print(f'round {round_no}: {len(runs)} runs', flush=True)
        if not _train(launcher, SweepState(spec, runs), retry_failed, force,
                      opts.poll):
            print('a run failed or was stopped: no decision on incomplete '
                  'rounds (run the same command again to go on)',
                  flush=True)
            return 1
        new = [e for e in next_round(spec, runs, opts) if e not in added]
        if not new:
            print('every comparison is decided (corrected for the grid) or '
                  f'has its --max-seeds {opts.max_seeds} seeds', flush=True)
            return 0
        added += new
        record_rounds(spec, added, opts)


def _train(launcher, sweep: SweepState, retry_failed, force,
           poll: float) -> bool:
    """Train (or submit and wait for) the round's runs; True when all are
    done."""
    for _ in range(3):  # a submission whose tasks stopped is resubmitted
        code = launcher.launch(sweep, retry_failed, force)
        if launcher.blocks:  # trained, or stopped (a signal): no retry
            return code == 0 and \
                sweep.counts()[RunState.DONE] == len(sweep.runs)
        while True:
            c = sweep.counts()
            if not c[RunState.QUEUED] and not c[RunState.RUNNING]:
                break
            time.sleep(poll)
        if c[RunState.DONE] == len(sweep.runs):
            return True
        if c[RunState.FAILED] or c[RunState.UNREADABLE]:
            return False
    return False
