"""Ablation sweeps across detectors (``tools/sweep.py``), on the run layer
(:mod:`..runs`).

- a spec names the runs (:mod:`.spec`); ``plan`` checks and writes one
  config per run (:mod:`.plan`);
- ``run`` hands them to a launcher (:mod:`.launchers`: ``local`` or
  ``slurm``), which starts one worker per run (:mod:`.worker`, the attempt
  itself in :mod:`.training`);
- ``status`` reads the runs' effective states (:mod:`.state`,
  :mod:`.status_view`), ``report`` their results (:mod:`.report`);
- a loss comparison is a one-axis sweep built in code (:mod:`.comparison`).
"""
from .spec.expansion import expand
from .spec.sweep_spec import Run, SweepSpec, SweepSpecError, load_spec, make_spec

__all__ = ['Run', 'SweepSpec', 'SweepSpecError', 'expand', 'load_spec',
           'make_spec']
