"""The report's verdict lines: one per comparison with its baseline, as
:mod:`..compare.comparison` decided it (raw and corrected for the whole
grid), the header naming the interval and the family, and under each line
the per-seed paired image bootstrap (COCO runs), which carries the
evidence when there is one seed."""
from typing import List

from ...analysis.grid_verdicts import ANYTIME
from ...analysis.verdicts import (LOGGED_RESOLUTION, MIN_SEED_PAIRS,
                                  level_text)
from ..compare.comparison import Comparison, VerdictRule, verdict_line
from ..compare.claims import STRICT
from ..compare.per_seed_bootstrap import ImageBootstrap


def precision_note(comps: List[Comparison], metric: str) -> str:
    """Where the compared values come from: full precision recomputed
    from the runs' detections, or the logged values (rounded), and what
    that means for a verdict (:mod:`...analysis.verdicts`)."""
    runs = {r['run_id']: r for c in comps for _, a, b in c.pairs()
            for r in (a, b)}
    exact = sum(1 for r in runs.values() if 'primary' in r.get('_exact', ()))
    if not runs:
        return ''
    if exact == len(runs):
        return (f'{metric} of all {len(runs)} compared runs recomputed at '
                'full precision from their stored detections.')
    return (f'{metric} recomputed at full precision from stored detections '
            f'for {exact} of {len(runs)} compared runs; the others are the '
            f'logged values, rounded to {LOGGED_RESOLUTION:g} point, so a '
            'comparison whose differences vary by less than that has not '
            f'enough data. Verdicts need at least {MIN_SEED_PAIRS} seed '
            'pairs.')


def family_header(comps: List[Comparison], rule: VerdictRule) -> str:
    """``Intervals: ...; verdicts corrected for 3 comparisons (Holm, ...)``."""
    m = sum(1 for c in comps if c.verdict and c.verdict.p_value is not None)
    level = level_text(rule.alpha)
    kind = (f'anytime-valid {level} confidence sequences (Lai\'s '
            't-mixture), the seeds in the order they ran'
            if rule.kind == ANYTIME else
            f'fixed-n {level} t-intervals over the seed pairs')
    if rule.precision is not None:
        kind += f'; equivalent: within ±{rule.precision:g} points'
    family = f'{m} comparison' + ('s' if m != 1 else '')
    fwer = (f'verdicts corrected for {family} (Holm, family-wise '
            f'error {100 * rule.alpha:g}%)' if rule.correction else
            'verdicts not corrected for the number of comparisons '
            '(--no-correction)')
    if not m:
        fwer = 'no comparison has enough data for a verdict yet'
    return f'Intervals: {kind}; {fwer}.'


def verdicts(stats: List[dict], metric: str, small: str) -> List[str]:
    """The verdict lines, each followed by its bootstrap lines."""
    out = []
    for s in stats:
        comp = s.get('comparison')
        if comp is None or comp.verdict is None:
            continue
        out.append('- ' + verdict_line(comp, metric))
        out += [_bootstrap_line(b, metric, small) for b in s['bootstrap']
                if b.intervals.get(metric) or b.note]
    return out


def _bootstrap_line(b, metric, small) -> str:
    who = f'seed {b.seed}' if b.seed is not None else 'run pair'
    if b.note:
        return f'  - {who}: {b.note}'
    b_all, b_small = b.intervals[metric], b.intervals.get(small)
    text = (f'  - {who}, paired bootstrap ({ImageBootstrap.RESAMPLES} '
            f'resamples of {b_all.n} val images): Δ{metric} {b_all.cell()}')
    if b_small is not None:
        text += f', Δ{small} {b_small.cell()}'
    text += f': {b_all.verdict()}'
    tight = [(m, b.intervals[m]) for m in (STRICT, 'tp_IoU')
             if m in b.intervals]
    if tight:
        text += '; ' + ', '.join(f'Δ{m} {iv.cell()}' for m, iv in tight)
    return text
