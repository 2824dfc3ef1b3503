"""The report's verdict lines: one per comparison with its baseline, the
verdict following its interval, corrected for the whole grid.

Each line says which interval it is: a fixed-n 95% t-interval over the
seed pairs, or -- for a sweep run with ``--until-decided`` -- the
anytime-valid confidence sequence (:mod:`...analysis.sequential`).  Over
all the comparisons printed, Holm's procedure controls the chance of any
false verdict (:mod:`...analysis.multiple_testing`); each line shows the
raw and the corrected verdict, and the header how many comparisons the
family holds.  Under each line, per seed pair, the paired image bootstrap
(COCO runs), which carries the verdict when there is one seed."""
from typing import List, Optional

from ...analysis.multiple_testing import holm_adjusted
from ..spec import SweepSpec
from .bootstrap import ImageBootstrap
from .comparisons import comparison_label
from .rows import primary_name, small_name

ALPHA = 0.05


def _comparisons(stats: List[dict]) -> List[dict]:
    return [s for s in stats if s['baseline'] and s['d_primary'] is not None]


def _raw(s: dict):
    """(text, verdict, p-value) of one comparison."""
    seq, iv = s.get('sequential'), s['d_primary']
    if seq is not None:
        return seq.format, seq.verdict, seq.p_value
    return iv.format, iv.verdict(), iv.p_value


def family_header(stats: List[dict], correction: bool,
                  sequential: bool) -> str:
    m = sum(1 for s in _comparisons(stats) if _raw(s)[2] is not None)
    kind = ('anytime-valid confidence sequences (Lai\'s t-mixture), the '
            'seeds in the order they ran' if sequential else
            'fixed-n 95% t-intervals over the seed pairs')
    family = f'{m} comparison' + ('s' if m != 1 else '')
    fwer = (f'verdicts corrected for {family} (Holm, family-wise '
            f'error {ALPHA:.0%})' if correction else
            'verdicts not corrected for the number of comparisons '
            '(--no-correction)')
    return f'Intervals: {kind}; {fwer}.'


def verdicts(spec: SweepSpec, stats: List[dict], rows: List[dict],
             correction: bool = True) -> List[str]:
    """The verdict lines (see the module doc)."""
    metric = primary_name(rows)
    small = small_name(rows) or 'AP_s'
    comps = _comparisons(stats)
    adjusted = holm_adjusted([_raw(s)[2] for s in comps])
    out = []
    for s, p_adj in zip(comps, adjusted):
        text, verdict, p = _raw(s)
        line = (f'- {comparison_label(s["key"], s["baseline"])}: '
                f'{text(metric)}')
        boot = s.get('bootstrap') or []
        sequential = s.get('sequential') is not None
        if not sequential and (s['d_primary'].has_interval or
                               not any(b[1] for b in boot)):
            line += f': {verdict}'
        if correction and p is not None:
            line += (f'; corrected: {_corrected(verdict, p_adj, sequential)}'
                     f' (p_adj={p_adj:.3g})')
        out.append(line)
        out += [_bootstrap_line(seed, b_all, b_small, note, metric, small)
                for seed, b_all, b_small, note in boot if b_all or note]
    return out


def _corrected(verdict: str, p_adj: Optional[float],
               sequential: bool) -> str:
    """The verdict that survives the correction."""
    if verdict in ('beats', 'worse') and p_adj is not None and \
            p_adj > ALPHA:
        return 'undecided' if sequential else 'no measurable difference'
    return verdict


def _bootstrap_line(seed, b_all, b_small, note, metric, small) -> str:
    who = f'seed {seed}' if seed is not None else 'run pair'
    if note:
        return f'  - {who}: {note}'
    text = (f'  - {who}, paired bootstrap ({ImageBootstrap.RESAMPLES} '
            f'resamples of {b_all.n} val images): Δ{metric} {b_all.cell()}')
    if b_small is not None:
        text += f', Δ{small} {b_small.cell()}'
    return text + f': {b_all.verdict()}'
