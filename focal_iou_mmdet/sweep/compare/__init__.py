"""Stage 5 of a sweep, comparing: the runs' results (:mod:`.rows`), what a
comparison is and its one verdict (:mod:`.comparison`), the per-group
statistics (:mod:`.group_stats`), the per-seed image bootstrap
(:mod:`.per_seed_bootstrap`) and the ``seeds`` advice
(:mod:`.seed_advice`)."""
