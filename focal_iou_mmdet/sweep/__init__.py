"""Ablation sweeps across detectors (``tools/sweep.py``), on the run layer
(:mod:`..runs`): a spec names the runs (:mod:`.spec`); ``plan`` checks and
writes one config per run (:mod:`.plan`); ``run`` trains them through one
worker (:mod:`.worker`) started by the local scheduler (:mod:`.local`) or
as one SLURM array (:mod:`.slurm`); ``status`` and ``report`` read the runs'
states (:mod:`.state`) and results (:mod:`.report`).  A loss comparison is
a one-axis sweep built in code (:mod:`.comparison`)."""
from .spec import Run, SweepSpec, SweepSpecError, expand, load_spec, make_spec

__all__ = ['Run', 'SweepSpec', 'SweepSpecError', 'expand', 'load_spec',
           'make_spec']
