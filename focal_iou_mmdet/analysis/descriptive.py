"""Summary statistics of runs: mean ± std, mean curves.  Verdicts on a
difference come from its interval (:mod:`.intervals`)."""
import math
from typing import List, Optional, Sequence, Tuple

MeanStd = Tuple[Optional[float], Optional[float]]


def mean_std(values: Sequence[Optional[float]]) -> MeanStd:
    """Mean and sample std of the values that are not None (std None for
    fewer than two)."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None, None
    m = sum(vals) / len(vals)
    if len(vals) < 2:
        return m, None
    return m, math.sqrt(sum((v - m)**2 for v in vals) / (len(vals) - 1))


def format_mean_std(mean: Optional[float], std: Optional[float] = None,
                    signed: bool = False) -> str:
    """``mean ± std`` with one decimal; ``n/a`` for a missing mean."""
    if mean is None:
        return 'n/a'
    text = ('{:+.1f}' if signed else '{:.1f}').format(mean)
    if std is not None:
        text += ' ± {:.1f}'.format(std)
    return text


def mean_curve(curves: List[dict]):
    """``(epochs, means, stds)`` over curves ``{epoch: value}``, at each
    epoch over the curves that have it."""
    epochs = sorted(set().union(*curves)) if curves else []
    xs, means, stds = [], [], []
    for e in epochs:
        m, s = mean_std([c[e] for c in curves if e in c])
        xs.append(e)
        means.append(m)
        stds.append(s or 0.0)
    return xs, means, stds
