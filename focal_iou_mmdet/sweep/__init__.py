"""Ablation sweeps across detectors (``tools/sweep.py``): a spec names the
runs (:mod:`.spec`), ``plan`` checks and writes one config per run
(:mod:`.plan`), ``run`` trains them locally or as one SLURM array
(:mod:`.launch`) with per-run status (:mod:`.state`), ``report`` aggregates
mmengine's JSON outputs (:mod:`.report`)."""
from .spec import Run, SweepSpec, SweepSpecError, expand, load_spec

__all__ = ['Run', 'SweepSpec', 'SweepSpecError', 'expand', 'load_spec']
