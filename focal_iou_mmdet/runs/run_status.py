"""A run's status: the one place that knows its states and transitions.

Every write of a run's ``status.json`` goes through a transition method of
:class:`RunStatus`; readers get the dataclass, never a dict.  The
transitions, each from the states it allows (:data:`TRANSITIONS`; a test
reads this table against it)::

    method             from                              to
    queued             pending, failed, queued           queued
    started            pending, queued, failed, running  running
    finished           running                           done (exit 0) or failed
    interrupted        running, pending                  pending
    failed_to_start    any                               failed
    noted              any                               the same state

``interrupted`` (a signal, a time limit that requeues the task) returns the
run to ``pending``: it resumes from its last checkpoint.  A ``running`` or
``queued`` record whose process or job is gone *reads* as pending
(:meth:`as_stale`, the launcher decides) without being rewritten.  A status
file that cannot be read is shown as the view-only state ``unreadable``
(:meth:`unreadable`); it is never written.
"""
import dataclasses
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import List, Optional


class RunState(str, Enum):
    """A run's states: the five written to status.json, and the view-only
    ``UNREADABLE`` of a run whose status file or lock cannot be read.  A
    member equals, hashes and prints as its value (``'done'``), so the
    JSON records and the counts keyed by name read as before."""
    PENDING = 'pending'
    QUEUED = 'queued'
    RUNNING = 'running'
    DONE = 'done'
    FAILED = 'failed'
    UNREADABLE = 'unreadable'

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


#: the states written to status.json
STATES = tuple(s for s in RunState if s is not RunState.UNREADABLE)
#: transition method -> the states it may start from (module doc)
TRANSITIONS = {
    'queued': (RunState.PENDING, RunState.FAILED, RunState.QUEUED),
    'started': (RunState.PENDING, RunState.QUEUED, RunState.FAILED,
                RunState.RUNNING),
    'finished': (RunState.RUNNING, ),
    'interrupted': (RunState.RUNNING, RunState.PENDING),
    'failed_to_start': STATES,
    'noted': STATES,
}
#: the states a view shows: the stored ones, and ``unreadable`` (with the
#: path and the reason)
VIEW_STATES = tuple(RunState)
#: fields of a view that are never written
_VIEW_ONLY = ('stale', 'unverified')


def sessions_device_hours(sessions: List[dict]) -> Optional[float]:
    """Devices x hours of a run's training sessions (a session recorded
    before devices were, counts 1 device; None: no session)."""
    hours = [s['seconds'] * (s.get('devices') or 1) / 3600.0
             for s in sessions if s.get('seconds') is not None]
    return round(sum(hours), 4) if hours else None


def sessions_seconds(sessions: List[dict]) -> Optional[float]:
    """Wall-clock seconds of a run's training sessions (None: none yet)."""
    secs = [s['seconds'] for s in sessions if s.get('seconds') is not None]
    return round(sum(secs), 1) if secs else None


class RunStatusError(ValueError):
    """A transition the state machine does not allow, or a record that is
    not a run status."""


@dataclass
class RunStatus:
    """A run's state, attempts and training sessions (see module doc)."""
    state: str = 'pending'
    attempts: int = 0
    sessions: List[dict] = field(default_factory=list)
    launcher: Optional[str] = None      # who queued or started it
    job: Optional[str] = None           # the launcher's job id, if any
    host: Optional[str] = None
    pid: Optional[int] = None
    submitted: Optional[float] = None
    started_at: Optional[float] = None
    finished_at: Optional[float] = None
    updated: Optional[float] = None
    message: Optional[str] = None
    max_attempts: Optional[int] = None
    checkpoint_note: Optional[str] = None
    #: view only: why a running/queued record reads as pending
    stale: Optional[str] = None
    #: view only: why the launcher could not check a running/queued
    #: record (its state may be stale)
    unverified: Optional[str] = None

    # -- reading and writing -------------------------------------------
    @classmethod
    def from_json(cls, data) -> 'RunStatus':
        """A status from its JSON record; :class:`RunStatusError` when the
        record is not one."""
        if not isinstance(data, dict) or data.get('state') not in STATES:
            raise RunStatusError(f'not a run status (state must be one of '
                                 f'{STATES}): {str(data)[:80]}')
        names = {f.name for f in dataclasses.fields(cls)} - set(_VIEW_ONLY)
        known = {k: v for k, v in data.items() if k in names}
        if not isinstance(known.get('sessions', []), list):
            raise RunStatusError(f'sessions must be a list: {str(data)[:80]}')
        return cls(**known)

    def to_json(self) -> dict:
        if self.state not in STATES:
            raise RunStatusError(f'state {self.state!r} is never written')
        return {k: v for k, v in dataclasses.asdict(self).items()
                if k not in _VIEW_ONLY}

    @classmethod
    def unreadable(cls, message: str) -> 'RunStatus':
        """The view of a run whose status or lock cannot be read."""
        return cls(state='unreadable', message=message)

    # -- questions ------------------------------------------------------
    @property
    def is_active(self) -> bool:
        """Queued or running as recorded (its process may be gone)."""
        return self.state in ('queued', 'running')

    @property
    def has_started(self) -> bool:
        """Queued, running, finished, or interrupted after an attempt."""
        return self.state != 'pending' or self.attempts > 0

    @property
    def train_seconds(self) -> Optional[float]:
        return sessions_seconds(self.sessions)

    @property
    def device_hours(self) -> Optional[float]:
        return sessions_device_hours(self.sessions)

    @property
    def device_names(self) -> List[str]:
        """The devices its sessions trained on, in order, once each."""
        return list(dict.fromkeys(s['device'] for s in self.sessions
                                  if s.get('device')))

    @property
    def code_hashes(self) -> List[str]:
        """The code (:mod:`.config_chain` identity) its sessions trained
        with, in order, once each."""
        return list(dict.fromkeys(s['code'] for s in self.sessions
                                  if s.get('code')))

    @property
    def hosts(self) -> List[str]:
        return list(dict.fromkeys(s['host'] for s in self.sessions
                                  if s.get('host')))

    def first_message_line(self) -> str:
        return (self.message or '').splitlines()[0] if self.message else ''

    # -- transitions ----------------------------------------------------
    def _to(self, state: str, allowed_from, **changes) -> 'RunStatus':
        if self.state not in allowed_from:
            raise RunStatusError(f'a {self.state} run cannot become {state}')
        return dataclasses.replace(self, state=state, updated=time.time(),
                                   stale=None, unverified=None, **changes)

    def queued(self, launcher: str, job: str) -> 'RunStatus':
        """Handed to a launcher that starts it later (a SLURM array)."""
        return self._to(RunState.QUEUED, TRANSITIONS['queued'],
                        launcher=launcher, job=job, submitted=time.time(),
                        message=None)

    def started(self, launcher: str, host: str, pid: int,
                job: Optional[str] = None,
                max_attempts: Optional[int] = None,
                checkpoint_note: Optional[str] = None) -> 'RunStatus':
        """A worker started training it: one more attempt."""
        return self._to(
            RunState.RUNNING, TRANSITIONS['started'],
            attempts=self.attempts + 1, launcher=launcher, host=host,
            pid=pid, job=job, started_at=time.time(), message=None,
            max_attempts=max_attempts,
            checkpoint_note=checkpoint_note or self.checkpoint_note)

    def finished(self, session: dict, message: Optional[str] = None
                 ) -> 'RunStatus':
        """Its training process exited: ``done`` when with 0 (the one
        rule), else ``failed`` with ``message``."""
        ok = session.get('exit') == 0
        return self._to(RunState.DONE if ok else RunState.FAILED,
                        TRANSITIONS['finished'],
                        sessions=self.sessions + [session],
                        finished_at=time.time() if ok else None,
                        message=None if ok else message)

    def interrupted(self, session: Optional[dict], message: str
                    ) -> 'RunStatus':
        """Stopped before the end (a signal, a time limit): pending again,
        it resumes from its last checkpoint."""
        sessions = self.sessions + ([session] if session else [])
        return self._to(RunState.PENDING, TRANSITIONS['interrupted'],
                        sessions=sessions, message=message)

    def failed_to_start(self, message: str, **changes) -> 'RunStatus':
        """Not trained (its lock is unusable, its attempts are used up, a
        time limit on its last attempt)."""
        return self._to(RunState.FAILED, TRANSITIONS['failed_to_start'],
                        message=message, **changes)

    def noted(self, message: str) -> 'RunStatus':
        """The same state with another message."""
        return self._to(self.state, TRANSITIONS['noted'], message=message)

    def as_unverified(self, why: str) -> 'RunStatus':
        """The view of an active record its launcher could not check."""
        return dataclasses.replace(self, unverified=why)

    def as_stale(self, why: str) -> 'RunStatus':
        """The view of a queued/running record whose process is gone:
        pending (never written; the next worker restarts it)."""
        return dataclasses.replace(self, state=RunState.PENDING, stale=why)

    @classmethod
    def rebuilt(cls, why: str) -> 'RunStatus':
        """A fresh pending record replacing an unreadable file (its
        checkpoints stay, so the run resumes)."""
        return cls(updated=time.time(), message=f'status rebuilt ({why})')


__all__ = ['RunState', 'RunStatus', 'RunStatusError', 'STATES',
           'TRANSITIONS', 'VIEW_STATES']
