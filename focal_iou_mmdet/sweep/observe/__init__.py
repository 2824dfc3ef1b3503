"""Stage 4 of a sweep, observing it: each run's effective state as its
launcher sees it (:mod:`.state`) and the ``status`` table
(:mod:`.status_view`)."""
