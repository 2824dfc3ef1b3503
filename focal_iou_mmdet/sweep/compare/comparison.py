"""What a comparison is, and its one verdict.

A sweep's runs that differ only in their seed form a *group*; a variant
group is compared with the *baseline* group of the same detector that
agrees with it on the most other axes.  Their finished runs are paired by
seed (never across metric families), and the paired differences get one
:class:`~...analysis.grid_verdicts.Verdict`, raw and corrected over the
grid (Holm).  The *rule* says how: a sweep run ``--until-decided`` gets
anytime-valid intervals with the alpha and precision its rounds used (from
its record, :mod:`..spec.seed_rounds`), any other sweep fixed-n
t-intervals.

``run --until-decided`` (its stopping rule), ``seeds``, ``report`` and the
quickstart all call :func:`sweep_comparisons`, so they print the same
verdicts.
"""
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

from ...analysis.grid_verdicts import ANYTIME, FIXED, Verdict, grid_verdicts
from ...analysis.verdicts import LOGGED_RESOLUTION
from ...runs.run_status import RunState
from ..spec import Run, SweepSpec, group_axes, group_key, hashable
from ..spec.seed_rounds import recorded_options
from .rows import collect


@dataclass(frozen=True)
class VerdictRule:
    """How a sweep's comparisons are decided (module doc)."""
    kind: str = FIXED
    alpha: float = 0.05
    precision: Optional[float] = None
    correction: bool = True

    @classmethod
    def of(cls, spec: SweepSpec, correction: bool = True) -> 'VerdictRule':
        """The sweep's rule, from its record (fixed n without one)."""
        opts = recorded_options(spec)
        if opts is None:
            return cls(FIXED, spec.alpha, correction=correction)
        return cls.sequential(opts, correction)

    @classmethod
    def sequential(cls, opts, correction: bool = True) -> 'VerdictRule':
        """The anytime rule of ``run --until-decided``'s options."""
        return cls(ANYTIME, opts.alpha, opts.precision, correction)


def value_text(v) -> str:
    """An axis value as printed (None: the config's own value)."""
    return 'default' if v is None else str(v)


@dataclass
class Comparison:
    """A variant group against its baseline group: their finished runs
    (report rows, :mod:`.rows`), paired by seed, and the verdict."""
    key: Tuple
    baseline: Tuple
    runs: List[dict]
    baseline_runs: List[dict]
    seed_axis: Optional[str]
    verdict: Optional[Verdict] = field(default=None, compare=False)

    @property
    def label(self) -> str:
        """``retinanet, focal-iou vs retinanet, iou``."""
        return (f'{", ".join(value_text(v) for v in self.key)} vs '
                f'{", ".join(value_text(v) for v in self.baseline)}')

    def pairs(self) -> List[Tuple[object, dict, dict]]:
        """``[(seed, run, baseline run)]`` in the variant's seed order,
        the two runs of the same metric family."""
        seed_of = lambda r: r.get(self.seed_axis) if self.seed_axis \
            else None  # noqa: E731
        base = {seed_of(r): r for r in self.baseline_runs}
        return [(seed_of(r), r, base[seed_of(r)]) for r in self.runs
                if seed_of(r) in base
                and r['_family'] is base[seed_of(r)]['_family']]

    def resolution(self, metric: str = 'primary') -> float:
        """0 where every paired run's ``metric`` was recomputed at full
        precision from its detections (:mod:`.rows`), else the logged
        value's rounding (:data:`...analysis.verdicts.LOGGED_RESOLUTION`)."""
        exact = all(metric in r.get('_exact', ()) and
                    metric in b.get('_exact', ()) for _, r, b in self.pairs())
        return 0.0 if exact and self.pairs() else LOGGED_RESOLUTION

    def differences(self, metric: str = 'primary') -> List[float]:
        """The variant's ``metric`` minus its baseline's, seed by seed."""
        return [r[metric] - b[metric] for _, r, b in self.pairs()
                if r.get(metric) is not None and b.get(metric) is not None]


    def gap_differences(self, metric: str, control: str) -> List[float]:
        """Seed by seed, the variant's ``metric - control`` minus its
        baseline's (how much more ``metric`` moved than ``control``)."""
        ok = lambda r: r.get(metric) is not None and \
            r.get(control) is not None  # noqa: E731
        return [(r[metric] - r[control]) - (b[metric] - b[control])
                for _, r, b in self.pairs() if ok(r) and ok(b)]

    @property
    def cell(self) -> str:
        """``retinanet · shapes-large``: the axis values the variant shares
        with its baseline (what the grid's cell is)."""
        return ' · '.join(value_text(v) for v, b in
                          zip(self.key, self.baseline) if v == b)

    @property
    def change(self) -> str:
        """``focal-iou vs iou``: what the variant changes."""
        pairs = [(v, b) for v, b in zip(self.key, self.baseline) if v != b]
        return ', '.join(value_text(v) for v, _ in pairs) + ' vs ' + \
            ', '.join(value_text(b) for _, b in pairs)


def groups(spec: SweepSpec, rows: Sequence[dict]
           ) -> 'OrderedDict[Tuple, list]':
    """Runs that differ only in their seed, in plan order."""
    axes = group_axes(spec)
    out: 'OrderedDict[Tuple, list]' = OrderedDict()
    for r in rows:
        out.setdefault(group_key(r, axes), []).append(r)
    return out


def baseline_of(spec: SweepSpec, key: Tuple, keys: Sequence[Tuple]):
    """The baseline group of the same detector that agrees with ``key`` on
    the most other axes (a focal-only axis such as gamma may not exist for
    the baseline loss); None for a baseline group itself."""
    axes = group_axes(spec)
    base_idx = {axes.index(a): hashable(v) for a, v in spec.baseline.items()
                if a in axes}
    if not base_idx:
        return None
    cands = [k for k in keys
             if all(k[i] == v for i, v in base_idx.items()) and
             k[0] == key[0]]
    if not cands or key in cands:
        return None
    return max(cands, key=lambda k: sum(a == b for a, b in zip(k, key)))


def finished(rows: Sequence[dict]) -> List[dict]:
    """The rows that count: done, with a primary metric."""
    return [r for r in rows
            if r['state'] == RunState.DONE and r['primary'] is not None]


def find_comparisons(spec: SweepSpec, rows: Sequence[dict]
                     ) -> List[Comparison]:
    """Every variant group of the sweep against its baseline group."""
    grouped = groups(spec, rows)
    out = []
    for key, members in grouped.items():
        bkey = baseline_of(spec, key, list(grouped))
        if bkey is not None:
            out.append(Comparison(key, bkey, finished(members),
                                  finished(grouped[bkey]), spec.seed_axis))
    return out


def judge(comparisons: Sequence[Comparison], rule: VerdictRule
          ) -> List[Comparison]:
    """Set each comparison's verdict (primary metric), corrected over all
    of them; returns them."""
    found = grid_verdicts([c.differences() for c in comparisons], rule.kind,
                          rule.alpha, rule.precision, rule.correction,
                          [c.resolution() for c in comparisons])
    for c, v in zip(comparisons, found):
        c.verdict = v
    return list(comparisons)


def interval_of(differences: Sequence[float], rule: VerdictRule,
                resolution: float = LOGGED_RESOLUTION) -> Optional[Verdict]:
    """A secondary metric's difference with the rule's interval (no
    correction: no verdict is drawn from it)."""
    if not differences:
        return None
    return grid_verdicts([list(differences)], rule.kind, rule.alpha,
                         correction=False, resolution=resolution)[0]


def sweep_comparisons(spec: SweepSpec, runs: Sequence[Run],
                      rule: Optional[VerdictRule] = None,
                      rows: Optional[List[dict]] = None
                      ) -> List[Comparison]:
    """The sweep's comparisons with their verdicts (``rule`` default: the
    sweep's own, :meth:`VerdictRule.of`)."""
    rows = collect(spec, list(runs)) if rows is None else rows
    return judge(find_comparisons(spec, rows), rule or VerdictRule.of(spec))


def verdict_line(comp: Comparison, metric: str = 'AP') -> str:
    """``retinanet, focal-iou vs retinanet, iou: ΔAP ...: beats; corrected
    ...`` -- the line every command prints."""
    if comp.verdict is None:
        return f'{comp.label}: no finished seed pair yet'
    return f'{comp.label}: {comp.verdict.format(metric)}'


__all__ = ['Comparison', 'VerdictRule', 'baseline_of', 'find_comparisons',
           'finished', 'groups', 'interval_of', 'judge', 'sweep_comparisons',
           'value_text', 'verdict_line']
