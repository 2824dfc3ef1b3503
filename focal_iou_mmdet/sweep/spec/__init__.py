"""Stage 1 of a sweep, the spec: what a sweep is (:mod:`.sweep_spec`), its
values checked (:mod:`.values`), its runs (:mod:`.expansion`), the seeds
``--until-decided`` added (:mod:`.seed_rounds`) and its trackers
(:mod:`.tracking`)."""
from .expansion import expand, group_axes, group_key, hashable
from .sweep_spec import (Run, SweepSpec, SweepSpecError, config_key,
                         load_spec, make_spec)

__all__ = ['Run', 'SweepSpec', 'SweepSpecError', 'config_key', 'expand',
           'group_axes', 'group_key', 'hashable', 'load_spec', 'make_spec']
