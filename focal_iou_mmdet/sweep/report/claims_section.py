"""The report's answer to the paper's claims (:mod:`..compare.claims`):
the claims table that opens results.md (and is all ``report
--claims-only`` prints), and the sections behind it -- convergence per
comparison, AP by object size with the boxes behind it, and where each
comparison's noise comes from."""
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

from ..compare.claims import (MIN_SUPPORT, Claim, GridAggregate, ap_claim,
                              claims_table, convergence_claim, small_claim,
                              tighter_boxes_claim, tighter_by_size,
                              SizeTightness, STRICT,
                              aggregate_interval_name)
from ..compare.comparison import Comparison, VerdictRule
from ..compare.convergence import Convergence, judge_convergence
from ..compare.cost import cost_lines
from ..compare.noise_split import noise_split
from ..compare.size_support import SIZE_RANGES


@dataclass
class ClaimsReport:
    """Everything the claims sections print (:func:`claims_report`)."""
    claims: List[Claim]
    convergence: List[Convergence]
    stats: List[dict]
    metric: str
    small: Optional[str]
    min_support: int
    #: the higher-AP claim's aggregate (the forest plot's diamond)
    aggregate: Optional[GridAggregate] = None
    #: the Cost and devices lines (:mod:`..compare.cost`)
    cost: List[str] = field(default_factory=list)
    #: the tighter-boxes measures by object size
    tightness: List[SizeTightness] = field(default_factory=list)
    #: the kind and level of the grid aggregate's interval
    aggregate_interval: str = ''

    def table(self) -> List[str]:
        """The claims table's lines; none for a sweep without a
        comparison (no baseline)."""
        return claims_table(self.claims) if self.convergence else []

    def sections(self) -> List[str]:
        return (self._convergence() + self._sizes() + self._tightness()
                + self._noise()
                + (['## Cost and devices', ''] + self.cost + ['']
                   if self.cost else []))

    def _convergence(self) -> List[str]:
        if not self.convergence:
            return []
        out = ['## Convergence', '',
               f'Per comparison: the mean paired Δ{self.metric} over the '
               'epochs both runs evaluated (its verdict corrected over the '
               'grid: beats reads faster), and the epochs the variant took '
               f'to reach its baseline\'s final {self.metric}, as a ratio '
               'to the baseline\'s own (bootstrap over seed pairs).', '']
        for c in self.convergence:
            v = c.verdict
            what = v.format(f'{self.metric} over epochs') if v else \
                'no finished seed pair'
            out.append(f'- {c.comparison.label}: {what}; reads: {c.word}; '
                       f'epochs to the baseline\'s final: {c.ratio_text()}')
        return out + ['']

    def _sizes(self) -> List[str]:
        rows = [s for s in self.stats if s.get('support')]
        if not rows or self.small is None:
            return []
        out = ['## Object sizes and the boxes behind them', '',
               'Ground-truth boxes (images) of each COCO size in the '
               'evaluation set each run used, read from its annotation file.',
               '', '| group | ' + ' | '.join(
                   f'AP_{size[0]} | boxes (images)'
                   for size, _, _ in SIZE_RANGES) + ' |',
               '|---|' + '---|---|' * len(SIZE_RANGES)]
        notes = {}
        for s in rows:
            cells = []
            for size, _, _ in SIZE_RANGES:
                ap = s.get(f'AP_{size[0]}', (None, None))[0]
                boxes = s['support'][f'boxes_{size}']
                cells += ['n/a' if ap is None else f'{ap:.1f}',
                          f'{boxes} ({s["support"][f"images_{size}"]})']
                if 0 < boxes < self.min_support:
                    what = f'AP_{size[0]} on {boxes} boxes'
                    notes[what] = notes.get(what, 0) + 1
            out.append(f'| {", ".join(map(str, s["key"]))} | '
                       + ' | '.join(cells) + ' |')
        if notes:
            out += ['', f'Fewer than {self.min_support} boxes (--min-support)'
                    ' stand behind: ' + '; '.join(
                        f'{w} ({n} group{"s" if n != 1 else ""})'
                        for w, n in notes.items()) + '. Such an AP swings '
                    'with a handful of boxes: read its Δ with care.']
        return out + ['']

    def _tightness(self) -> List[str]:
        if not self.tightness:
            return []
        cell = lambda a: 'n/a' if a is None else \
            f'{a.mean:+.2f} [{a.low:+.2f}, {a.high:+.2f}]'  # noqa: E731
        out = ['## Tighter boxes by object size', '',
               f'The grid\'s aggregate Δ{STRICT} and Δ mean IoU of the true '
               'positives (points), per COCO size, and the true positives at '
               'IoU 0.5 behind them in each run (fewest-most).', '',
               f'| size | Δ{STRICT}_x | Δtp_IoU_x | matched boxes per run |',
               '|---|---|---|---|']
        for t in self.tightness:
            lo, hi = t.matched
            out.append(f'| {t.size} | {cell(t.strict)} | {cell(t.iou)} | '
                       f'{lo}' + (f'-{hi}' if hi > lo else '') + ' |')
        return out + ['']

    def _noise(self) -> List[str]:
        lines = []
        for s in self.stats:
            comp = s.get('comparison')
            if comp is None:
                continue
            split = noise_split(comp.differences(),
                                [b.variance for b in s['bootstrap']])
            if split is not None:
                lines.append(f'- {comp.label}: {split.line()}')
        if not lines:
            return []
        return ['## Where the noise comes from', ''] + lines + ['']


def claims_report(stats: List[dict], comps: Sequence[Comparison],
                  rule: VerdictRule, metric: str, small: Optional[str],
                  min_support: int = MIN_SUPPORT,
                  rows: Sequence[dict] = ()) -> ClaimsReport:
    """The three claims and their sections for a sweep's comparisons
    (``stats``: :func:`..compare.group_stats.summarize`'s)."""
    found = judge_convergence(comps, rule)
    by_key = {s['key']: s for s in stats}
    supports = [(by_key[c.key].get('support') or {}).get('boxes_small')
                for c in comps]
    claims = [convergence_claim(found, rule, metric),
              ap_claim(comps, rule, metric),
              small_claim(comps, rule, small, supports, min_support),
              tighter_boxes_claim(comps, rule)]
    return ClaimsReport(claims, found, stats, metric, small, min_support,
                        claims[1].aggregate,
                        cost_lines(comps, rows) if rows else [],
                        tighter_by_size(comps, rule) if small else [],
                        aggregate_interval_name(rule))


__all__ = ['ClaimsReport', 'claims_report']
