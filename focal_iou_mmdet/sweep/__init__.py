"""Ablation sweeps across detectors (``tools/sweep.py``), on the run layer
(:mod:`..runs`), in six stages, each a folder that imports only the
stages before it:

1. :mod:`.spec` -- what a sweep is: a YAML/JSON file read as data and
   checked against a declared schema, expanded into runs;
2. :mod:`.plan` -- each run's keys checked against the real configs, one
   literal config per run;
3. :mod:`.launchers` -- where runs train (``local``, ``slurm``) and the
   worker that trains one;
4. :mod:`.observe` -- each run's state as its launcher sees it, ``status``;
5. :mod:`.compare` -- what a comparison is and its one verdict, ``seeds``;
6. :mod:`.report` -- tables, verdict lines, figures;

then the commands: ``run --until-decided`` (:mod:`.until_decided`), the
quickstart's loss comparison (:mod:`.one_axis_sweep`) and the CLI
(:mod:`.__main__`).
"""
from .spec.expansion import expand
from .spec.sweep_spec import Run, SweepSpec, SweepSpecError, load_spec, make_spec

__all__ = ['Run', 'SweepSpec', 'SweepSpecError', 'expand', 'load_spec',
           'make_spec']
