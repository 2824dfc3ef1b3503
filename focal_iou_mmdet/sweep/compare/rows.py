"""A sweep's results collected from its run folders (mmengine's JSON
outputs, never logs): one row per run, with the names of its metrics
(what a comparison is: :mod:`.comparison`).  A finished COCO run's final
metrics are recomputed at full precision from its stored detections where
they can be (:mod:`...runs.exact_metrics`); ``_exact`` names the metrics
that were, the others are the logged values (rounded to 0.1 point)."""
from collections import OrderedDict
from typing import List, Optional

from ...evaluation.coco_match import percent_scale
from ...runs import FAMILIES, MetricFamily
from ...runs.code_identity import SHORT
from ...runs.exact_metrics import exact_coco_metrics
from ...runs.run_status import RunState
from ..spec import Run, SweepSpec
from ..observe.state import effective_states
from .size_support import SizeSupport


def _pct(v: Optional[float]) -> Optional[float]:
    return None if v is None else round(v * 100, 2)


def collect(spec: SweepSpec, runs: List[Run]) -> List[dict]:
    """One record per run: axis values, state and its results so far
    (metrics in percent, short names of the run's metric family; in a
    sweep that mixes families, each name carries its family, ``coco AP50``
    and ``voc AP50``, so no column mixes two)."""
    states = effective_states([spec.run_dir(r.id) for r in runs])
    results = {r.id: spec.run_dir(r.id).results() for r in runs}
    mixed = len({res.family.name for res in results.values()
                 if res.family is not None}) > 1
    support = SizeSupport()
    rows = []
    for run in runs:
        row = _row(run, results[run.id], states[spec.run_dir(run.id)], mixed)
        row['_planned_code'] = spec.run_dir(run.id).planned_code()
        res = results[run.id]
        _full_precision(row, spec.run_dir(run.id), res, mixed)
        if res.family is not None and res.family.sizes:
            counts, row['_support_note'] = support.of(
                spec.run_dir(run.id).dumped_config)
            row.update(counts or {})
        rows.append(row)
    return rows


def _full_precision(row: dict, run_dir, res, mixed: bool) -> None:
    """Replace the row's final COCO metrics by their full-precision values
    where the run's detections give them (module doc)."""
    row['_exact'] = frozenset()
    family = res.family
    if row['state'] != RunState.DONE or family is None or \
            family.name != 'coco':
        return
    exact = exact_coco_metrics(run_dir, res.final)
    if not exact:
        return
    for m, v in exact.items():
        row[metric_label(family, m, mixed)] = None if v is None else \
            v * percent_scale(m)
    names = {metric_label(family, m, mixed) for m in exact}
    if family.primary in exact:
        row['primary'] = None if exact[family.primary] is None else \
            exact[family.primary] * 100
        names.add('primary')
    row['_exact'] = frozenset(names)


def epoch_column(primary: str, epoch: int) -> str:
    """The results.csv column of the primary metric at one epoch."""
    return f'{primary}_epoch{epoch}'


def _row(run: Run, res, st, mixed: bool) -> dict:
    family = res.family
    curve = res.curve()
    best = max(curve, key=lambda e: curve[e]) if curve else None
    row = OrderedDict(run_id=run.id)
    row.update(run.values)
    row['state'] = st.state
    row['metric'] = family.name if family else None
    row['primary'] = _pct(res.primary)
    for m, v in res.final.items():
        row[metric_label(family, m, mixed)] = _pct(v)
    if family is not None:
        primary = metric_label(family, family.primary, mixed)
        for epoch, v in curve.items():
            row[epoch_column(primary, epoch)] = _pct(v)
    row['final_epoch'] = max(res.val) if res.val else None
    row['best_epoch'] = best
    row['best_primary'] = _pct(curve[best]) if best is not None else None
    row['train_time_s'] = st.train_seconds
    row['device_hours'] = st.device_hours
    row['device'] = ' + '.join(st.device_names) or None
    row['host'] = ' + '.join(st.hosts) or None
    row['code'] = ' + '.join(h[:SHORT] for h in st.code_hashes) or None
    row['attempts'] = st.attempts
    row['_result'] = res
    row['_status'] = st
    row['_family'] = family
    row['_mixed'] = mixed
    return row


def metric_label(family: MetricFamily, short: str, mixed: bool) -> str:
    """A metric's column: its short name, with its family's in a sweep that
    mixes families."""
    return f'{family.name} {short}' if mixed else short


def families(rows: List[dict]) -> List[MetricFamily]:
    """The metric families of the runs that have results, in FAMILIES
    order."""
    found = {r['_family'].name for r in rows if r['_family'] is not None}
    return [f for f in FAMILIES if f.name in found]


def metric_columns(rows: List[dict]) -> List[str]:
    """Short names of every metric some run reported, family by family."""
    cols: List[str] = []
    for family in families(rows):
        for r in rows:
            if r['_family'] is family:
                cols += [metric_label(family, m, r['_mixed'])
                         for m in r['_result'].final
                         if metric_label(family, m, r['_mixed']) not in cols]
    return cols


def primary_name(rows: List[dict]) -> str:
    """The primary metric's short name ('AP' for COCO, 'mAP' for VOC;
    'primary' for a sweep that mixes families)."""
    fams = families(rows)
    return fams[0].primary if len(fams) == 1 else 'primary'


def small_name(rows: List[dict]) -> Optional[str]:
    fams = families(rows)
    return fams[0].small if len(fams) == 1 else None
