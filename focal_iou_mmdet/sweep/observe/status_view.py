"""The ``status`` table: each run's effective state, epoch, attempts,
time, device-hours (devices x hours of all its attempts) and note, and the
sweep's counts, ETA and device-hours spent."""
import time
from typing import List, Sequence, Tuple

from ...runs import RunStatus
from ...runs.run_status import RunState
from ...utils.display import fmt_duration
from ..spec import Run, SweepSpec
from .state import counts, effective_states, eta_seconds

#: above this many runs, done and pending ones are hidden unless --all
SHOW_ALL_UP_TO = 30


def _note(st: RunStatus) -> str:
    note = st.job or ''
    if st.stale:
        note = f'interrupted ({st.stale})'
    elif st.unverified:
        note = (note + ': ' if note else '') + st.unverified
    elif st.state == RunState.UNREADABLE:
        note = st.message
    elif st.state == RunState.FAILED:
        note = st.first_message_line()[:60]
    if st.checkpoint_note:
        note = (note + '; ' if note else '') + st.checkpoint_note
    return note


def _row(spec: SweepSpec, run: Run, st: RunStatus) -> Tuple[List[str], bool]:
    """The run's cells, and whether it has a problem to show."""
    res = spec.run_dir(run.id).results()
    epoch = str(max(res.val)) if res.val else '-'
    secs = st.train_seconds
    if st.state == RunState.RUNNING and st.started_at:
        secs = (secs or 0) + max(0.0, time.time() - st.started_at)
    attempts = str(st.attempts) + (f'/{st.max_attempts}'
                                   if st.max_attempts else '')
    problems = res.problems(st.state == RunState.DONE)
    note = '; '.join([n for n in [_note(st)] if n] + problems)
    hours = st.device_hours
    return ([run.id, st.state, epoch, attempts, fmt_duration(secs),
             '-' if hours is None else f'{hours:.2f}', note],
            bool(problems or st.checkpoint_note))


def status_table(spec: SweepSpec, runs: Sequence[Run],
                 show_all: bool = False) -> str:
    states = effective_states([spec.run_dir(r.id) for r in runs])
    sts = [states[spec.run_dir(r.id)] for r in runs]
    hide = not show_all and len(runs) > SHOW_ALL_UP_TO
    head = ['run', 'state', 'epoch', 'attempts', 'time', 'device-h',
            'job / note']
    rows = [(st, _row(spec, r, st)) for r, st in zip(runs, sts)]
    body = [cells for st, (cells, flagged) in rows
            if not (hide and not flagged and
                    st.state in (RunState.DONE, RunState.PENDING))]
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    lines = ['  '.join(c_.ljust(w) for c_, w in zip(row, widths)).rstrip()
             for row in [head] + body]
    c = counts(sts)
    parallel = max(1, c[RunState.RUNNING])
    eta = eta_seconds(sts, parallel)
    lines.append(
        f'{len(runs)} runs: {c["done"]} done, {c["running"]} running, '
        f'{c["queued"]} queued, {c["pending"]} pending, {c["failed"]} '
        f'failed' + (f', {c["unreadable"]} unreadable'
                     if c[RunState.UNREADABLE] else '')
        + f'; ETA {fmt_duration(eta)}'
        + (f' at {parallel} in parallel' if eta else '')
        + f'; {sum(st.device_hours or 0 for st in sts):.2f} device-hours '
        'spent')
    if hide:
        lines.append('(done and pending runs hidden; --all shows them)')
    return '\n'.join(lines)
