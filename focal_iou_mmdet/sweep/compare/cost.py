"""What a decision cost, and on what it ran: device-hours (devices x
hours of all attempts, :meth:`~...runs.RunStatus.device_hours`) per run,
per comparison (its variant and baseline runs) and per sweep, the device
types behind each comparison (a comparison that mixes GPU types mixes
their numerics and speed into its noise) and the code each trained with
(:mod:`...runs.code_identity`; a comparison that mixes code is warned)."""
from typing import List, Optional, Sequence

from .comparison import Comparison


def hours_of(rows: Sequence[dict]) -> float:
    """Device-hours of these runs (a run without a record counts 0)."""
    return sum(r.get('device_hours') or 0.0 for r in rows)


def per_run_hours(rows: Sequence[dict]) -> Optional[float]:
    """Mean device-hours of the finished runs that recorded them."""
    found = [r['device_hours'] for r in rows
             if r.get('device_hours') and r.get('state') == 'done']
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
                     'code changed while the sweep ran')
        out.append(line)
    out.append(f'- the sweep: {hours_of(rows):.2f} device-hours over '
               f'{len(rows)} runs' + (f' on {", ".join(distinct(rows))}'
                                      if distinct(rows) else ''))
    return out


__all__ = ['cost_lines', 'distinct', 'hours_of', 'per_run_hours']
