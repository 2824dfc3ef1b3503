"""Stage 2 of a sweep, the plan: check each run's overrides against the
real configs (:mod:`.key_checks`) and write one config per run, literals
only (:mod:`.run_config`), by :func:`.planner.plan`."""
from .planner import plan

__all__ = ['plan']
