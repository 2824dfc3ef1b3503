"""``seeds SPEC --delta D``: how many seeds each comparison needs, from
the spread of its finished pilot seed pairs (or ``--sigma``), beside its
verdict so far (the same verdict ``report`` prints,
:mod:`.comparison`).

With m comparisons in the grid the verdicts are corrected (Holm), so the
plan is made at alpha / m (Bonferroni, which Holm never needs more seeds
than)."""
import statistics
from typing import List, Optional, Sequence

from ...analysis.verdicts import evidence_gap
from ...analysis.seed_planning import (MOST_SEEDS, fixed_seeds_needed,
                                       sequential_plan)
from ..spec import Run, SweepSpec
from ..spec.seed_rounds import ALPHA, MAX_SEEDS, POINTS, POWER
from .comparison import VerdictRule, sweep_comparisons, verdict_line
from .cost import per_run_hours
from .rows import collect, primary_name


def check_seed_options(delta: float, power: float, sigma: Optional[float],
                       max_seeds: int, alpha: float = 0.05) -> None:
    """ValueError naming the option that is out of range (the ranges the
    command line declares, :mod:`..spec.seed_rounds`)."""
    POINTS.check('--delta', delta)
    ALPHA.check('--alpha', alpha)
    POWER.check('--power', power)
    if sigma is not None:
        POINTS.check('--sigma', sigma)
    MAX_SEEDS.check('--max-seeds', max_seeds)


def plan_seeds(spec: SweepSpec, runs: Sequence[Run], delta: float,
               power: float = 0.8, sigma: Optional[float] = None,
               max_seeds: int = 12) -> List[str]:
    """Per comparison: its verdict line, the spread of its paired
    differences, the seeds a fixed-n paired t-test needs to detect
    ``delta`` with ``power``, and the seeds the sequential mode expects to
    spend."""
    rule = VerdictRule.of(spec)  # the sweep's level: its verdicts' own
    alpha = rule.alpha
    check_seed_options(delta, power, sigma, max_seeds, alpha)
    rows = collect(spec, list(runs))
    comps = sweep_comparisons(spec, runs, rule, rows)
    if not comps:
        return ['no comparison: the spec has no baseline group']
    m = len(comps)
    level = alpha / m
    lines = [f'detecting Δ = {delta:g} (primary metric, points) with power '
             f'{power:g} at alpha {alpha:g}' + (
                 f' / {m} comparisons = {level:.3g}' if m > 1 else '') +
             f'; sequential mode up to {max_seeds} seeds:']
    for comp in comps:
        lines.append('  ' + verdict_line(comp, primary_name(rows)))
        spread, source = _spread(comp.differences(), sigma,
                                 comp.resolution())
        if spread is None:
            lines.append(f'    {source}')
            continue
        fixed = fixed_seeds_needed(delta, spread, power, level)
        seq = sequential_plan(delta, spread, max_seeds, level)
        hours = per_run_hours(list(comp.runs) + list(comp.baseline_runs))
        lines.append(
            f'    sd of the paired differences {spread:.2f} ({source}); '
            f'fixed n: {_count(fixed)}{_hours(fixed, hours)}; sequential: '
            f'{seq.expected_seeds:.1f} seeds expected'
            f'{_hours(seq.expected_seeds, hours)}, decided within '
            f'{max_seeds} in {seq.decided_share:.0%} of simulations')
        if hours is not None:
            lines.append(f'    (a seed is 2 runs, a variant and its '
                         f'baseline, at {hours:.3g} device-hours a run as '
                         'the pilot measured)')
    return lines


def _hours(seeds, per_run: Optional[float]) -> str:
    """`` (~3.4 device-hours)`` for ``seeds`` seed pairs, or ''."""
    if per_run is None or seeds is None:
        return ''
    return f' (~{2 * seeds * per_run:,.1f} device-hours)'



def _count(n: Optional[int]) -> str:
    return (f'more than {MOST_SEEDS:,} seeds' if n is None
            else f'{n:,} seeds')


def _spread(diffs: List[float], sigma: Optional[float], resolution: float):
    """The pilot's spread, or why there is none to plan from: the
    minimum-evidence rule (:func:`...analysis.verdicts.evidence_gap`)."""
    if sigma is not None:
        return sigma, 'given by --sigma'
    why = evidence_gap(diffs, resolution)
    if why:
        return None, (f'not enough data to plan from ({why}): run more '
                      'seeds of both first, or give --sigma')
    return statistics.stdev(diffs), f'{len(diffs)} pilot seed pairs'
