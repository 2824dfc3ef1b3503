"""A sweep's view of its runs' states (each run's own state lives in its
folder, :class:`~focal_iou_mmdet.runs.RunDir`, its transitions in
:mod:`~focal_iou_mmdet.runs.run_status`).

A ``running`` or ``queued`` record whose process is gone reads as
``pending`` -- the launcher that wrote it says (:meth:`.launchers.Launcher.
live_view`): nothing is lost when a sweep or a node dies, and the run
resumes from its checkpoint.
"""
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from ...runs import (VIEW_STATES, RunDir, RunState, RunStateError,
                     RunStatus)
from ..launchers import LAUNCHERS
from ..spec import Run, SweepSpec


def read_view(d: RunDir) -> RunStatus:
    """The run's recorded status, or the ``unreadable`` view."""
    try:
        return d.read_status()
    except RunStateError as e:
        return RunStatus.unreadable(str(e))


def launcher_of(status: RunStatus) -> Optional[str]:
    """The launcher that wrote an active record (each launcher knows its
    own records); None: no launcher of this installation."""
    return next((name for name, cls in LAUNCHERS.items()
                 if cls.wrote(status)), None)


def effective_states(run_dirs: Sequence[RunDir]) -> Dict[RunDir, RunStatus]:
    """Each run's status with its state corrected by the launcher that
    wrote it: a queued/running run with no live process is pending
    (``stale`` says why), one whose liveness cannot be probed unreadable.
    The files are not rewritten."""
    statuses = {d: read_view(d) for d in run_dirs}
    by_launcher: Dict[str, Dict[RunDir, RunStatus]] = {}
    for d, s in statuses.items():
        if s.is_active:
            by_launcher.setdefault(launcher_of(s), {})[d] = s
    for name, records in by_launcher.items():
        if name is None:
            statuses.update({d: RunStatus.unreadable(
                f'{d.file(d.STATUS)}: {s.state} by launcher {s.launcher!r}, '
                f'which is not one of {sorted(LAUNCHERS)}')
                for d, s in records.items()})
        else:
            statuses.update(LAUNCHERS[name].live_view(records))
    return statuses


def counts(statuses: Iterable[RunStatus]) -> Dict[str, int]:
    out = {s: 0 for s in VIEW_STATES}
    for st in statuses:
        out[st.state] += 1
    return out


def eta_seconds(statuses: List[RunStatus], parallel: int) -> Optional[float]:
    """Remaining time: mean training time of done runs x runs left /
    runs in parallel (None until one run is done)."""
    done = [s.train_seconds for s in statuses if s.state == RunState.DONE]
    done = [d for d in done if d]
    left = sum(1 for s in statuses if s.state in (
        RunState.PENDING, RunState.QUEUED, RunState.RUNNING))
    if not done or not left:
        return 0.0 if not left else None
    return sum(done) / len(done) * left / max(1, parallel)


class SweepState:
    """A sweep's runs and their effective states, as the launchers and the
    status view read them."""

    def __init__(self, spec: SweepSpec, runs: Sequence[Run]):
        self.spec, self.runs = spec, list(runs)

    def statuses(self) -> Dict[RunDir, RunStatus]:
        return effective_states([self.spec.run_dir(r.id) for r in self.runs])

    def counts(self, statuses: Optional[Dict[RunDir, RunStatus]] = None
               ) -> Dict[str, int]:
        return counts((statuses or self.statuses()).values())

    def eta(self, parallel: int) -> Optional[float]:
        return eta_seconds(list(self.statuses().values()), parallel)

    def to_start(self, retry_failed: bool, skip: Set[str] = frozenset(),
                 force: bool = False
                 ) -> Tuple[List[Run], List[Run], Dict[RunDir, RunStatus]]:
        """(runs to start now, runs a live local worker elsewhere holds,
        every run's effective status).  An unreadable run is not started;
        with ``force`` an unreadable status file is moved aside and
        rebuilt."""
        states = self.statuses()
        todo, held = [], []
        for r in self.runs:
            if r.id in skip:
                continue
            d = self.spec.run_dir(r.id)
            s = states[d]
            if s.state == RunState.UNREADABLE and force and \
                    s.message.startswith('unreadable:'):
                d.reset_status('unreadable, rebuilt by --force')
                s = states[d] = read_view(d)
            if s.state == RunState.PENDING or (retry_failed and
                                        s.state == RunState.FAILED):
                todo.append(r)
            elif s.state == RunState.RUNNING and launcher_of(s) and \
                    LAUNCHERS[launcher_of(s)].blocks:
                held.append(r)
        return todo, held, states


def runs_to_start(spec: SweepSpec, runs: Sequence[Run], retry_failed: bool,
                  skip: Set[str] = frozenset(), force: bool = False):
    """:meth:`SweepState.to_start` of ``spec``'s ``runs``."""
    return SweepState(spec, runs).to_start(retry_failed, skip, force)
