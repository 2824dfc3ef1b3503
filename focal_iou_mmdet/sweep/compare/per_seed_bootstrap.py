"""The report's adapter to the paired image bootstrap
(:mod:`...analysis.image_bootstrap`): per seed pair of COCO runs whose last
evaluation dumped its detections, ΔAP and ΔAP_s with their intervals.

The ground truth is the annotation file the run was evaluated on, read
from the config mmengine dumped when it trained (never executed, never the
current environment). A run whose detections and that ground truth do not
give back the AP the run logged is refused, with the reason: its interval
would be about other data."""
import contextlib
import io
import json
from typing import Dict, List, Optional, Tuple

from ...analysis.intervals import Interval
from ...runs.config_dump import ConfigDumpError
from ...runs.exact_metrics import LOGGED_TOLERANCE, evaluated_ann_file
from ..spec.sweep_spec import SweepSpec



class ImageBootstrap:
    """Per seed pair, the paired bootstrap over validation images of ΔAP
    and ΔAP_s (see the module doc)."""

    RESAMPLES = 1000

    def __init__(self, spec: SweepSpec):
        self.spec = spec
        self._gt: Dict[str, object] = {}
        self._matched: Dict[str, Tuple[object, Optional[str]]] = {}

    def _ground_truth(self, ann: str):
        if ann not in self._gt:
            from pycocotools.coco import COCO
            with contextlib.redirect_stdout(io.StringIO()):
                self._gt[ann] = COCO(ann)
        return self._gt[ann]

    def _match(self, row: dict) -> Tuple[object, Optional[str]]:
        """``(MatchedRun or None, why not)``; no note where there is
        simply nothing to bootstrap (no dump: not a COCO evaluation)."""
        from ...analysis.image_bootstrap import MatchedRun
        run_dir = self.spec.run_dir(row['run_id'])
        try:
            with open(run_dir.predictions_file) as f:
                dets = json.load(f)
        except (OSError, ValueError):
            return None, None
        try:
            ann = evaluated_ann_file(run_dir)
            matched = MatchedRun(self._ground_truth(ann), dets)
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
              ) -> List[tuple]:
        """``[(seed, ΔAP interval, ΔAP_s interval, note, ΔAP variance)]``
        per seed pair ``(seed, run, baseline run)`` (intervals None and a
        note where a run was refused); the variance of ΔAP over the image
        draws is the test set's sampling variance (:mod:`.noise_split`)."""
        out = []
        for seed, r, base in seed_pairs:
            if any(x['_family'] is None or x['_family'].name != 'coco'
                   for x in (r, base)):
                continue
            (a, why_a), (b, why_b) = self._run(r), self._run(base)
            if why_a or why_b:
                out.append((seed, None, None, why_a or why_b, None))
            elif a is not None and b is not None and a.img_ids == b.img_ids:
                iv_all, iv_small, var = self._intervals(a, b)
                out.append((seed, iv_all, iv_small, None, var))
        return out

    def _intervals(self, a, b) -> tuple:
        """``(ΔAP interval, ΔAP_s interval, variance of ΔAP)``."""
        from ...analysis.image_bootstrap import bootstrap_summary
        ivs, variances = [], []
        for area in ('all', 'small'):
            try:
                d, lo, hi, var = bootstrap_summary(a, b, self.RESAMPLES,
                                                   area=area)
            except (TypeError, ValueError, IndexError):  # no such objects
                ivs.append(None)
                variances.append(None)
                continue
            ivs.append(Interval(d, lo, hi, len(a.img_ids), 'val images'))
            variances.append(var)
        return ivs[0], ivs[1], variances[0]
