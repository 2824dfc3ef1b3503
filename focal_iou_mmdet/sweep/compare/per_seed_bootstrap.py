"""The report's adapter to the paired image bootstrap
(:mod:`...analysis.image_bootstrap`): per seed pair of COCO runs whose last
evaluation dumped its detections, the difference of every claim metric
(every metric of the run's match, and AP_s) with its interval.

Each run's match is the one the report's rows read
(:func:`...runs.exact_metrics.run_match`: kept on disk by content), and a
seed pair's draws are kept in the variant run's folder under the two
matches' keys, so a report on an unchanged sweep only reads them.  The ground truth is the annotation file
the run was evaluated on, read from the config mmengine dumped when it
trained.  A run whose detections and that ground truth do not give back
the AP the run logged is refused, with the reason: its interval would be
about other data."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from ...analysis.image_bootstrap import kept_paired_draws, summary_of
from ...analysis.intervals import Interval
from ...evaluation.coco_match import COUNTS, HIGHER_IS_BETTER
from ...runs.config_dump import ConfigDumpError
from ...runs.exact_metrics import (LOGGED_TOLERANCE, evaluated_ann_file,
                                   run_match)
from ..spec.sweep_spec import SweepSpec

#: the differences bootstrapped on the full set: every metric of the
#: match but the counts
FULL_SET = tuple(m for m in HIGHER_IS_BETTER if m not in COUNTS)


@dataclass
class SeedPairBootstrap:
    """One seed pair's image bootstrap: an interval per metric
    (:data:`FULL_SET` and ``AP_s``), or the note why there is none; the
    variance of ΔAP over the draws (:mod:`.noise_split`)."""
    seed: object
    intervals: Dict[str, Interval] = field(default_factory=dict)
    note: Optional[str] = None
    variance: Optional[float] = None


class ImageBootstrap:
    """Per seed pair, the paired bootstrap over validation images (see the
    module doc)."""

    RESAMPLES = 1000

    def __init__(self, spec: SweepSpec):
        self.spec = spec
        self._matched: Dict[str, Tuple[object, Optional[str]]] = {}

    def _match(self, row: dict) -> Tuple[object, Optional[str]]:
        """``(RunMatch or None, why not)``; no note where there is
        simply nothing to bootstrap (no dump: not a COCO evaluation)."""
        import os
        run_dir = self.spec.run_dir(row['run_id'])
        if not os.path.isfile(run_dir.predictions_file):
            return None, None
        try:
            ann = evaluated_ann_file(run_dir)
            matched = run_match(run_dir, ann)
        except (ConfigDumpError, OSError, ValueError, KeyError) as e:
            return None, f'{row["run_id"]}: no bootstrap ({e})'
        ap, logged = matched.ap(), (row.get('primary') or 0.0) / 100
        if ap is None or abs(ap - logged) > LOGGED_TOLERANCE:
            return None, (
                f'{row["run_id"]}: no bootstrap: its detections and {ann} '
                f'give AP {0 if ap is None else ap * 100:.1f}, not the '
                f'{logged * 100:.1f} it logged (the ground truth changed '
                'since it was evaluated?)')
        return matched, None

    def _run(self, row: dict) -> Tuple[object, Optional[str]]:
        key = row['run_id']
        if key not in self._matched:
            self._matched[key] = self._match(row)
        return self._matched[key]

    def pairs(self, seed_pairs: List[Tuple[object, dict, dict]]
              ) -> List[SeedPairBootstrap]:
        """One :class:`SeedPairBootstrap` per seed pair ``(seed, run,
        baseline run)`` of COCO runs."""
        out = []
        for seed, r, base in seed_pairs:
            if any(x['_family'] is None or x['_family'].name != 'coco'
                   for x in (r, base)):
                continue
            (a, why_a), (b, why_b) = self._run(r), self._run(base)
            if why_a or why_b:
                out.append(SeedPairBootstrap(seed, note=why_a or why_b))
            elif a is not None and b is not None and a.img_ids == b.img_ids:
                kept = self.spec.run_dir(r['run_id']).paired_draws_file
                out.append(self._intervals(seed, a, b, kept))
        return out

    def _intervals(self, seed, a, b, kept: str) -> SeedPairBootstrap:
        found = SeedPairBootstrap(seed)
        wanted = {'all': FULL_SET, 'small': ('AP',)}
        all_draws = kept_paired_draws(a, b, kept, self.RESAMPLES,
                                      areas=tuple(wanted))
        for area, metrics in wanted.items():
            draws = all_draws[area]
            for metric in metrics:
                name = metric + ('_s' if area == 'small' else '')
                try:
                    d, lo, hi, var = summary_of(a, b, draws[metric], metric,
                                                area)
                except ValueError:  # no such objects
                    continue
                found.intervals[name] = Interval(d, lo, hi, len(a.img_ids),
                                                 'val images')
                if name == 'AP':
                    found.variance = var
        return found
