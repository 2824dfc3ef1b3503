"""Analysis that trains nothing: summary statistics (:mod:`.stats`),
confidence intervals and the verdict that follows from one
(:mod:`.intervals`), figures (:mod:`.plots`) and the DIoU paper's
regression simulation (:mod:`.simulation`)."""
from .intervals import Interval, paired_t_interval
from .descriptive import format_mean_std, mean_curve, mean_std

__all__ = [
    'Interval', 'paired_t_interval', 'format_mean_std', 'mean_curve',
    'mean_std'
]
