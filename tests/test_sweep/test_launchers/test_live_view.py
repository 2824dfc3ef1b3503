"""The compact live view of a local sweep on a terminal (rich)."""
import io
import os
import pty

from rich.console import Console

from focal_iou_mmdet.sweep.launchers.live_view import LiveView, wants_live_view


def test_only_a_terminal_gets_the_live_view():
    assert not wants_live_view(io.StringIO())
    master, slave = pty.openpty()
    try:
        with os.fdopen(slave, 'w') as tty:
            assert wants_live_view(tty)
    finally:
        os.close(master)


def test_the_view_shows_epochs_eta_and_states():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with LiveView(None, 'sweep s', console=console) as view:
        view.update(6, {'done': 1, 'running': 2, 'pending': 7}, 48)
    text = out.getvalue()
    assert 'sweep s' in text and '6/48' in text and 'epochs' in text
    assert '1 done, 2 running, 7 pending' in text
