"""What a decision cost, and on what it ran: device-hours (devices x
hours of all attempts, :meth:`~...runs.RunStatus.device_hours`) per run,
per comparison (its variant and baseline runs) and per sweep, the device
types behind each comparison (a comparison that mixes GPU types mixes
their numerics and speed into its noise) and the code each trained with
(:mod:`...runs.config_chain`; a comparison that mixes code is warned,
naming what changed)."""
from typing import List, Optional, Sequence

from ...runs.code_identity import SHORT
from ...runs.config_chain import identity_difference
from ...runs.run_status import RunState
from .comparison import Comparison


def hours_of(rows: Sequence[dict]) -> float:
    """Device-hours of these runs (a run without a record counts 0)."""
    return sum(r.get('device_hours') or 0.0 for r in rows)


def per_run_hours(rows: Sequence[dict]) -> Optional[float]:
    """Mean device-hours of the finished runs that recorded them."""
    found = [r['device_hours'] for r in rows
             if r.get('device_hours') and r.get('state') == RunState.DONE]
    return sum(found) / len(found) if found else None


def distinct(rows: Sequence[dict], column: str = 'device') -> List[str]:
    """The values of a ``' + '``-joined column (``device``: the devices
    the runs trained on; ``code``: the code they trained with), once
    each."""
    names = []
    for r in rows:
        for name in (r.get(column) or '').split(' + '):
            if name and name not in names:
                names.append(name)
    return names


def changed_text(rows: Sequence[dict], codes: Sequence[str]) -> str:
    """``; changed: configs/..., mmdet 3.3.0 -> 3.3.1`` from the runs'
    planned code records of the first two codes, or ''."""
    records = []
    for code in codes[:2]:
        records.append(next((r['_planned_code'] for r in rows
                             if (r.get('_planned_code') or {}).get(
                                 'hash', '')[:SHORT] == code), None))
    if None in records:
        return ''
    what = identity_difference(*records)
    return f'; changed: {", ".join(what[:5])}' if what else ''


def cost_lines(comps: Sequence[Comparison], rows: Sequence[dict]
               ) -> List[str]:
    """``- label: 1.20 device-hours (6 runs) on NVIDIA H100`` per
    comparison, a warning where one mixes device types, and the sweep's
    total."""
    out = []
    for c in comps:
        runs = list(c.runs) + list(c.baseline_runs)
        types = distinct(runs)
        line = (f'- {c.label}: {hours_of(runs):.2f} device-hours '
                f'({len(runs)} runs)' + (f' on {", ".join(types)}'
                                         if types else ''))
        if len(types) > 1:
            line += (f' -- **warning: its runs trained on {len(types)} '
                     'device types**, whose speed and numerics differ: '
                     'part of its noise is the hardware')
        codes = distinct(runs, 'code')
        if len(codes) > 1:
            line += (f' -- **warning: its runs trained with {len(codes)} '
                     f'versions of the code** ({", ".join(codes)}): the '
                     'code changed while the sweep ran'
                     + changed_text(runs, codes))
        out.append(line)
    out.append(f'- the sweep: {hours_of(rows):.2f} device-hours over '
               f'{len(rows)} runs' + (f' on {", ".join(distinct(rows))}'
                                      if distinct(rows) else ''))
    return out


__all__ = ['cost_lines', 'distinct', 'hours_of', 'per_run_hours']
