"""Family-wise error control over a whole grid of comparisons.

Testing 40 comparisons at 5% each yields about two "wins" by chance.
Holm's step-down procedure (S. Holm, "A simple sequentially rejective
multiple test procedure", Scand. J. Statist. 6(2), 1979) controls the
probability of any false verdict in the family at ``alpha``, for any
dependence between the comparisons, and is never less powerful than
Bonferroni.  It applies to anytime-valid p-values as well (each is a valid
p-value at the time it is read).
"""
from typing import List, Optional, Sequence


def holm_adjusted(p_values: Sequence[Optional[float]]) -> List[Optional[float]]:
    """Holm-adjusted p-values, in the input order (None stays None and is
    not counted in the family): reject comparison i at level alpha iff its
    adjusted p-value is <= alpha."""
    present = [(p, i) for i, p in enumerate(p_values) if p is not None]
    m = len(present)
    adjusted: List[Optional[float]] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(present)):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


__all__ = ['holm_adjusted']
