"""The compact live view of a local sweep on a terminal (rich): one bar
over the sweep's epochs with its ETA, and the runs per state; the line log
(a line per finished epoch) stays for logs and pipes."""
import sys
from typing import Dict, Optional


def wants_live_view(stream=None) -> bool:
    """A terminal that rich can draw on."""
    stream = stream or sys.stdout
    return bool(getattr(stream, 'isatty', lambda: False)())


class LiveView:
    """``with LiveView(total) as view: view.update(epochs, counts)``."""

    def __init__(self, total_epochs: Optional[int], title: str,
                 console=None):
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress,
                                   TextColumn, TimeRemainingColumn)
        self.progress = Progress(
            TextColumn('[bold]{task.description}'), BarColumn(),
            MofNCompleteColumn(), TextColumn('epochs ·'),
            TimeRemainingColumn(), TextColumn('{task.fields[states]}'),
            redirect_stdout=True, transient=False, console=console)
        self.task = self.progress.add_task(title, total=total_epochs,
                                           states='')

    def __enter__(self) -> 'LiveView':
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def update(self, epochs_done: int, counts: Dict[str, int],
               total_epochs: Optional[int] = None) -> None:
        states = ', '.join(f'{v} {k}' for k, v in counts.items() if v)
        self.progress.update(self.task, completed=epochs_done,
                             total=total_epochs, states=states)
