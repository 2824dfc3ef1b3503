"""The comparisons of a sweep and their paired differences so far: what
the ``seeds`` planner and the ``--until-decided`` rounds read (the report's
own grouping and pairing, without its bootstrap or plots)."""
from dataclasses import dataclass
from typing import List, Sequence, Tuple

from .report.comparisons import paired_differences
from .report.rows import baseline_key, collect, group, seed_axis
from .spec import Run, SweepSpec


@dataclass
class Comparison:
    """A variant group against its baseline group (same detector)."""
    key: Tuple
    baseline: Tuple
    differences: List[float]      # primary metric, percent, seed order

    def label(self) -> str:
        text = lambda k: ', '.join('default' if v is None else str(v)  # noqa
                                   for v in k)
        return f'{text(self.key)} vs {text(self.baseline)}'


def comparisons(spec: SweepSpec, runs: Sequence[Run]) -> List[Comparison]:
    """Every comparison of the sweep with its finished seed pairs."""
    rows = collect(spec, list(runs))
    groups = group(spec, rows)
    seeds = seed_axis(spec)
    out = []
    for key, members in groups.items():
        bkey = baseline_key(spec, key, list(groups))
        if bkey is None:
            continue
        done = [r for r in members
                if r['state'] == 'done' and r['primary'] is not None]
        base = [r for r in groups[bkey]
                if r['state'] == 'done' and r['primary'] is not None]
        out.append(Comparison(key, bkey, paired_differences(
            done, base, seeds, 'primary')))
    return out
