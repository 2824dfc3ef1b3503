"""Where a sweep's runs train: one module per launcher, each holding every
fact about its place (:mod:`.base` says what a launcher is)."""
from typing import Dict, Type

from .base import Launcher, Task
from .local import LocalLauncher
from .slurm import SlurmLauncher

#: launcher name -> class (a third launcher is one module and one line here)
LAUNCHERS: Dict[str, Type[Launcher]] = {
    cls.name: cls for cls in (LocalLauncher, SlurmLauncher)}


__all__ = ['LAUNCHERS', 'Launcher', 'LocalLauncher', 'SlurmLauncher', 'Task']
