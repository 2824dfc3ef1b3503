"""A third launcher, complete: every run that needs training is trained by
this process, one after another (a launcher that submits elsewhere, e.g.
to Ray, writes each run's record with ``queued`` and returns instead).

Add the class to the tuple in ``focal_iou_mmdet/sweep/launchers/__init__.py``
and ``run --launcher inline`` uses it; ``tests/test_sweep/test_launchers/
test_third_launcher.py`` trains a sweep with it."""
from focal_iou_mmdet.sweep.launchers.base import (EXIT_DONE, TRAIN_TOOL,
                                                   Launcher, Task)
from focal_iou_mmdet.sweep.launchers.training import train


class InlineTask(Task):
    """The task side: how the worker starts the training process."""

    def train_command(self, python, train_args, tool=tuple(TRAIN_TOOL)):
        return [python] + list(tool) + list(train_args)


class InlineLauncher(Launcher):
    name = 'inline'
    blocks = True  # launch() returns when the runs have ended

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument('--inline-retries', type=int, default=0,
                            help='inline: starts of a failed run again')

    @classmethod
    def from_args(cls, args, extra):
        return cls()

    def launch(self, sweep, retry_failed=False, force=False):
        todo, _, _ = sweep.to_start(retry_failed, force=force)
        codes = [train(sweep.spec.run_dir(r.id), self.task(), self.name)
                 for r in todo]
        return 0 if all(c == EXIT_DONE for c in codes) else 1

    @classmethod
    def live_view(cls, records):
        return records  # nothing runs when this process does not

    @classmethod
    def cancel(cls, records):
        return []

    @classmethod
    def task(cls, args=None):
        return InlineTask()
