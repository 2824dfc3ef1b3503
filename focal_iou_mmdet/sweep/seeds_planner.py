"""``seeds SPEC --delta D``: how many seeds each comparison needs, from
the spread of its finished pilot seed pairs (or ``--sigma``)."""
import statistics
from typing import List, Optional, Sequence

from ..analysis.seed_planning import fixed_seeds_needed, sequential_plan
from .pilot import comparisons
from .spec import Run, SweepSpec


def plan_seeds(spec: SweepSpec, runs: Sequence[Run], delta: float,
               power: float = 0.8, sigma: Optional[float] = None,
               alpha: float = 0.05, max_seeds: int = 50) -> List[str]:
    """One line per comparison: the spread of its paired differences, the
    seeds a fixed-n paired t-test needs to detect ``delta`` with
    ``power``, and the seeds the sequential mode expects to spend."""
    if not delta > 0:
        raise ValueError(f'--delta must be > 0, got {delta!r}')
    lines = [f'detecting Δ = {delta:g} (primary metric, points) with power '
             f'{power:g} at alpha {alpha:g}; sequential mode up to '
             f'{max_seeds} seeds:']
    comps = comparisons(spec, runs)
    if not comps:
        return lines + ['  no comparison: the spec has no baseline group']
    for comp in comps:
        spread, source = _spread(comp.differences, sigma)
        if spread is None:
            lines.append(f'  {comp.label()}: {source}')
            continue
        fixed = fixed_seeds_needed(delta, spread, power, alpha)
        seq = sequential_plan(delta, spread, max_seeds, alpha)
        lines.append(
            f'  {comp.label()}: sd of the paired differences {spread:.2f} '
            f'({source}); fixed n: {fixed} seeds; sequential: '
            f'{seq.expected_seeds:.1f} seeds expected, decided within '
            f'{max_seeds} in {seq.decided_share:.0%} of simulations')
    return lines


def _spread(diffs: List[float], sigma: Optional[float]):
    if sigma is not None:
        if not sigma > 0:
            raise ValueError(f'--sigma must be > 0, got {sigma!r}')
        return sigma, 'given by --sigma'
    if len(diffs) < 2:
        return None, (f'{len(diffs)} finished seed pair(s): run at least '
                      f'{2 - len(diffs)} more seed(s) of both first, or give '
                      '--sigma')
    sd = statistics.stdev(diffs)
    if sd == 0:
        return None, (f'{len(diffs)} seed pairs with identical differences:'
                      ' no spread to plan from (give --sigma)')
    return sd, f'{len(diffs)} pilot seed pairs'
