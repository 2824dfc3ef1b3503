"""Where a comparison's noise comes from: the seed-to-seed variance of its
paired ΔAP (training noise, the same test images) against the test set's
sampling variance (per seed pair the variance of ΔAP over the image
bootstrap's draws, :mod:`.per_seed_bootstrap`, averaged over the pairs),
as shares of their sum -- the split that mlci's ``decompose_variance``
and X. Bouthillier et al., "Accounting for Variance in Machine Learning
Benchmarks", MLSys 2021, make.  More seeds shrink only the first; only a
bigger test set shrinks the second."""
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np


@dataclass(frozen=True)
class NoiseSplit:
    seed_variance: float
    image_variance: float
    seed_pairs: int
    bootstrapped_pairs: int

    @property
    def seed_share(self) -> float:
        total = self.seed_variance + self.image_variance
        return self.seed_variance / total if total > 0 else 0.5

    def line(self) -> str:
        """``seeds 78%, test images 22% of the variance of ΔAP: the seeds
        limit it; more seeds help``."""
        share = self.seed_share
        text = (f'seed-to-seed {share:.0%}, test images {1 - share:.0%} of '
                f'the variance of one seed pair\'s Δ (variances '
                f'{self.seed_variance:.2f} and {self.image_variance:.2f} '
                f'points², {self.seed_pairs} seed pairs, '
                f'{self.bootstrapped_pairs} bootstrapped): ')
        if share >= 0.5:
            return text + 'the seeds limit it; more seeds help'
        return text + ('the test set limits it; more test images help '
                       'more than more seeds')


def noise_split(differences: Sequence[float],
                image_variances: Sequence[Optional[float]]
                ) -> Optional[NoiseSplit]:
    """The split (module doc); None without 2 seed pairs or any pair's
    bootstrap."""
    found: List[float] = [v for v in image_variances if v is not None]
    if len(differences) < 2 or not found:
        return None
    return NoiseSplit(float(np.var(differences, ddof=1)),
                      float(np.mean(found)), len(differences), len(found))


__all__ = ['NoiseSplit', 'noise_split']
