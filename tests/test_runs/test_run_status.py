"""A run's status: the transitions of the state machine, what is written
and what is refused, and RunDir reading it back."""
import json
import os

import pytest

from focal_iou_mmdet.runs import (STATES, RunDir, RunStateError, RunStatus,
                                  RunStatusError)


def _session(code):
    return dict(attempt=1, exit=code, seconds=2.5)


def test_a_run_from_pending_to_done():
    st = RunStatus()
    assert (st.state, st.attempts, st.has_started) == ('pending', 0, False)
    st = st.queued('slurm', '7_0')
    assert (st.state, st.job, st.launcher) == ('queued', '7_0', 'slurm')
    st = st.started('slurm', 'node1', 123, job='7_0', max_attempts=5)
    assert (st.state, st.attempts, st.host, st.pid) == ('running', 1,
                                                        'node1', 123)
    st = st.finished(_session(0))
    assert st.state == 'done' and st.message is None
    assert st.train_seconds == 2.5 and st.finished_at is not None


def test_failure_interruption_and_retry():
    st = RunStatus().started('local', 'h', 1)
    failed = st.finished(_session(1), 'exit 1; see the log')
    assert failed.state == 'failed' and failed.first_message_line() == \
        'exit 1; see the log'
    again = failed.started('local', 'h', 2)  # --retry-failed
    assert again.state == 'running' and again.attempts == 2
    paused = again.interrupted(_session(143), 'interrupted by signal 15')
    assert paused.state == 'pending' and paused.has_started
    assert len(paused.sessions) == 2


@pytest.mark.parametrize('state,transition', [
    ('done', lambda s: s.started('local', 'h', 1)),
    ('done', lambda s: s.queued('slurm', '1_0')),
    ('pending', lambda s: s.finished(_session(0))),
    ('queued', lambda s: s.finished(_session(0))),
    ('done', lambda s: s.interrupted(None, 'x')),
])
def test_transitions_the_machine_does_not_allow(state, transition):
    with pytest.raises(RunStatusError, match=f'a {state} run cannot'):
        transition(RunStatus(state=state))


def test_views_are_never_written(tmp_path):
    stale = RunStatus().started('local', 'h', 1).as_stale('its worker is gone')
    assert stale.state == 'pending' and stale.stale == 'its worker is gone'
    assert 'stale' not in stale.to_json()
    with pytest.raises(RunStatusError, match='never written'):
        RunStatus.unreadable('unreadable: x').to_json()


def test_run_dir_round_trip(tmp_path):
    d = RunDir(str(tmp_path / 'r'))
    os.makedirs(d.path)
    assert d.read_status() == RunStatus()  # no file: pending
    written = d.write_status(RunStatus().started('local', 'h', 9))
    assert d.read_status() == written
    with open(d.file(RunDir.STATUS)) as f:
        on_disk = json.load(f)
    assert on_disk['state'] == 'running' and on_disk['pid'] == 9
    assert set(on_disk) == set(RunStatus().to_json())


@pytest.mark.parametrize('content', ['[1, 2]', '{"state": "finished"}', '',
                                     '{"state": "done", "sessions": 3}'])
def test_a_record_that_is_not_a_status_is_unreadable(tmp_path, content):
    d = RunDir(str(tmp_path / 'r'))
    os.makedirs(d.path)
    with open(d.file(RunDir.STATUS), 'w') as f:
        f.write(content)
    with pytest.raises(RunStateError, match='unreadable: '):
        d.read_status()


def test_the_docstring_draws_every_state():
    from focal_iou_mmdet.runs import run_status
    for state in STATES:
        assert state in run_status.__doc__


def test_the_documented_transitions_are_the_codes():
    """The table in the module doc, read against TRANSITIONS; and every
    transition outside it is refused."""
    from focal_iou_mmdet.runs import run_status
    doc = run_status.__doc__.split('    method ')[1].split('\n\n')[0]
    rows = {}
    for line in doc.splitlines()[1:]:
        name, rest = line.split(None, 1)
        allowed = rest.split('  ')[0].strip()
        rows[name] = allowed
    assert set(rows) == set(run_status.TRANSITIONS)
    for name, allowed in rows.items():
        states = run_status.TRANSITIONS[name]
        expect = 'any' if set(states) == set(run_status.STATES) else \
            ', '.join(states)
        assert allowed == expect, (name, allowed, expect)


@pytest.mark.parametrize('state', ['pending', 'queued', 'running', 'done',
                                   'failed'])
def test_transitions_outside_the_table_are_refused(state):
    from focal_iou_mmdet.runs.run_status import (TRANSITIONS, RunStatus,
                                                 RunStatusError)
    status = RunStatus(state=state)
    calls = {'queued': lambda s: s.queued('slurm', '1'),
             'started': lambda s: s.started('local', 'h', 1),
             'finished': lambda s: s.finished(dict(exit=0)),
             'interrupted': lambda s: s.interrupted(None, 'x')}
    for name, call in calls.items():
        if state in TRANSITIONS[name]:
            assert call(status).state != ''
        else:
            with pytest.raises(RunStatusError, match=f'a {state} run cannot'):
                call(status)
