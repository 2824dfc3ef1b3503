"""Analysis that trains nothing: summary statistics and the verdict
(:mod:`.stats`), figures (:mod:`.plots`) and the DIoU paper's regression
simulation (:mod:`.simulation`)."""
from .stats import format_mean_std, mean_curve, mean_std, verdict

__all__ = ['format_mean_std', 'mean_curve', 'mean_std', 'verdict']
