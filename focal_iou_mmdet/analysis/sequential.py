r"""Anytime-valid decisions on a paired AP difference, seed after seed.

A fixed-n t-interval is valid only for a number of seeds fixed in advance:
looking at it after every new seed and stopping once it excludes 0 makes a
"beats" far likelier than 5% when nothing differs.  A *confidence
sequence* holds at every n at once, so it may be looked at after every seed
and the sweep stopped at the first decision.

The one used here is Lai's t-mixture for a normal mean with unknown
variance (T. L. Lai, "On confidence sequences", Ann. Statist. 4(2), 1976;
see also Howard, Ramdas, McAuliffe & Sekhon, "Time-uniform, nonparametric,
nonasymptotic confidence sequences", Ann. Statist. 49(2), 2021, and Wang &
Ramdas, "Anytime-valid t-tests and confidence sequences for Gaussian means
with unknown variance", 2023).  For differences ``x_1..x_n`` and a
candidate mean ``m``, with ``S = sum(x_i - m)`` and ``V = sum((x_i - m)^2)``,

.. math::

    M_n(m) = \sqrt{c / (n + c)} \; (V / (V - S^2 / (n + c)))^{n/2}

is the likelihood ratio of the scale-invariant data (the differences up to
their unknown spread) mixed over a normal prior on the standardised effect
``(mean - m) / sigma`` with precision ``c``.  Under mean ``m`` it is a
nonnegative martingale with ``M_1 = 1``, so by Ville's inequality
``P(exists n: M_n(m) >= 1 / alpha) <= alpha``.  Hence

* the confidence sequence ``{m : M_n(m) < 1/alpha}`` is, in closed form,
  ``mean ± sqrt(r Q / (n (n - r)))`` with ``Q = sum((x_i - mean)^2)``,
  ``r = (n + c)(1 - K^{-1})``, ``K = ((n + c) / c)^{1/n} alpha^{-2/n}``
  (the whole line while ``n <= r``); its running intersection covers the
  true mean at every n at once with probability >= 1 - alpha;
* ``p_n = min(1, 1 / max_{k <= n} M_k(0))`` is an anytime-valid p-value.

``c = 1`` (a prior standard deviation of one spread for the effect) makes
an effect of 1.5 spreads decisive after about 8 seeds on average; smaller effects
take more.  The guarantee assumes roughly normal differences; the tests
check it by simulation under normal and t(5) noise.
"""
import functools
from dataclasses import dataclass
from typing import Optional, Union

import numpy as np

from .verdicts import (ANYTIME, DECISIONS, MIN_SEED_PAIRS, evidence_gaps,
                       level_text, verdict_words)

#: precision of the mixture's prior on the standardised effect
MIXTURE_PRECISION = 1.0


@dataclass(frozen=True)
class Decision:
    """The decision after ``n`` differences (arrays for a batch).

    ``low``/``high`` bound the confidence sequence (running intersection;
    -inf/inf while it is unbounded), ``p_value`` is anytime-valid for a
    zero difference."""
    verdict: Union[str, np.ndarray]
    mean: Union[float, np.ndarray]
    low: Union[float, np.ndarray]
    high: Union[float, np.ndarray]
    n: Union[int, np.ndarray]
    p_value: Union[float, np.ndarray]
    alpha: float

    def format(self, metric: str = 'AP') -> str:
        """``ΔAP +0.6, anytime 95% [+0.1, +1.2] (n=7 seeds, p=0.012):
        beats`` (one sequence)."""
        return (f'Δ{metric} {self.mean:+.1f}, anytime {level_text(self.alpha)} '
                f'[{self.low:+.1f}, {self.high:+.1f}] (n={self.n} seeds, '
                f'p={self.p_value:.3g}): {self.verdict}')


def _prefix_stats(x: np.ndarray):
    """Per prefix length n = 1..N: n, mean, Q = sum of squared deviations,
    and the sums S, V around 0 (for the p-value)."""
    n = np.arange(1, x.shape[-1] + 1, dtype=float)
    s = np.cumsum(x, axis=-1)
    v = np.cumsum(x * x, axis=-1)
    mean = s / n
    q = np.maximum(v - s * mean, 0.0)
    return n, mean, q, s, v


def _mixture_log(n, s, v, c):
    """log M_n(0) for every prefix (0 where V = 0: no evidence)."""
    denom = v - s * s / (n + c)
    with np.errstate(divide='ignore', invalid='ignore'):
        log_ratio = np.where(denom > 0, np.log(v) - np.log(denom), np.inf)
    log_ratio = np.where(v > 0, log_ratio, 0.0)
    return 0.5 * (np.log(c) - np.log(n + c)) + 0.5 * n * log_ratio


def _half_width(n, q, alpha, c):
    log_k = (np.log((n + c) / c) - 2 * np.log(alpha)) / n
    r = (n + c) * (1 - np.exp(-log_k))
    with np.errstate(divide='ignore', invalid='ignore'):
        half = np.sqrt(r * q / (n * (n - r)))
    return np.where(n > r, half, np.inf)


@functools.lru_cache(maxsize=64)
def fewest_seeds_to_decide(alpha: float = 0.05,
                           mixture_precision: float = MIXTURE_PRECISION
                           ) -> int:
    """The smallest n at which the confidence sequence is bounded (before
    it, every comparison is ``undecided`` whatever the differences): 5 at
    alpha = 0.05."""
    n = 2
    while not np.isfinite(_half_width(float(n), 1.0, alpha,
                                      mixture_precision)):
        n += 1
    return n


def fewest_pairs_for_a_verdict(alpha: float = 0.05,
                               mixture_precision: float = MIXTURE_PRECISION
                               ) -> int:
    """The minimum-evidence rule's seed pairs for an anytime verdict: the
    fewest at which the sequence can be bounded, and never fewer than
    :data:`.verdicts.MIN_SEED_PAIRS`."""
    return max(MIN_SEED_PAIRS, fewest_seeds_to_decide(alpha,
                                                      mixture_precision))


def sequence_path(differences, alpha: float = 0.05,
                  mixture_precision: float = MIXTURE_PRECISION):
    """The confidence sequence of one comparison seed by seed: arrays
    ``(n, mean, low, high)`` for n = 1..N, ``low``/``high`` the running
    intersection (what :func:`decide` reports at each n; +-inf while
    unbounded).  For plotting how the interval closed in."""
    x = np.asarray(differences, dtype=float)
    if x.ndim != 1 or not len(x) or not np.isfinite(x).all():
        raise ValueError('differences must be a non-empty list of finite '
                         f'numbers, got {differences!r}')
    n, mean, low, high = _running_bounds(x, alpha, mixture_precision)
    return n.astype(int), mean, low, high


def _running_bounds(x: np.ndarray, alpha: float, c: float):
    """Per prefix along the last axis: n, mean, and the running
    intersection of the sequence's intervals (low, high)."""
    n, mean, q, _, _ = _prefix_stats(x)
    half = _half_width(n, q, alpha, c)
    return (n, mean, np.maximum.accumulate(mean - half, axis=-1),
            np.minimum.accumulate(mean + half, axis=-1))


def running_decisions(differences, alpha: float = 0.05,
                      mixture_precision: float = MIXTURE_PRECISION):
    """Per prefix n = 1..N along the last axis: ``(mean, low, high, p)``,
    what :func:`decide` reports after n seeds (``low``/``high`` the running
    intersection, ``p`` the running anytime-valid p-value).  Any leading
    axes are batch axes (simulations)."""
    x = np.asarray(differences, dtype=float)
    c = mixture_precision
    n, mean, low, high = _running_bounds(x, alpha, c)
    _, _, _, s, v = _prefix_stats(x)
    log_m = np.maximum.accumulate(_mixture_log(n, s, v, c), axis=-1)
    return mean, low, high, np.minimum(1.0, np.exp(-log_m))


def decide(differences, alpha: float = 0.05,
           precision: Optional[float] = None,
           mixture_precision: float = MIXTURE_PRECISION,
           resolution: float = 0.0) -> Decision:
    """The anytime-valid decision on the mean of paired ``differences``
    (variant minus baseline, one per seed, in the order the seeds came).

    ``differences`` of shape (n,) gives one decision; shape (B, n) decides
    B sequences at once (vectorised, for simulations).  Calling it after
    every new seed and stopping at the first ``beats``/``worse`` errs with
    probability <= ``alpha`` when the true difference is 0 (module doc).
    ``equivalent``: the whole interval lies within ``±precision``.  For a
    grid of comparisons, :mod:`.grid_verdicts` corrects these verdicts.
    Differences that are not enough data (:mod:`.verdicts`; ``resolution``
    the metric's) read ``not enough data``."""
    if not 0 < alpha < 1:
        raise ValueError(f'alpha must be in (0, 1), got {alpha!r}')
    if precision is not None and not precision > 0:
        raise ValueError(f'precision must be > 0, got {precision!r}')
    x = np.asarray(differences, dtype=float)
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise ValueError('differences must be a non-empty (n,) or (B, n) '
                         f'array, got shape {x.shape}')
    if not np.isfinite(x).all():
        raise ValueError('differences must be finite numbers')
    mean, low, high, p = (a[..., -1] for a in running_decisions(
        x, alpha, mixture_precision))
    gaps = evidence_gaps(x, resolution, fewest_pairs_for_a_verdict(
        alpha, mixture_precision))
    verdict = verdict_words(low, high, precision, ANYTIME, gaps)
    if x.ndim == 1:
        return Decision(str(verdict[()]), float(mean), float(low),
                        float(high), int(x.shape[-1]), float(p), alpha)
    return Decision(verdict, mean, low, high,
                    np.full(len(x), x.shape[-1]), p, alpha)


def first_decision(differences, alpha: float = 0.05,
                   precision: Optional[float] = None,
                   start: int = 2) -> Decision:
    """For (B, N) sequences looked at after every seed from ``start`` on:
    each one's decision at the first n where it is a decision (else
    at N) -- what a sweep that stops there reports.  For simulations."""
    x = np.atleast_2d(np.asarray(differences, dtype=float))
    result, still_open = None, np.ones(len(x), dtype=bool)
    for k in range(min(start, x.shape[1]), x.shape[1] + 1):
        d = decide(x[:, :k], alpha, precision)
        result = d if result is None else _merge(result, d, still_open)
        still_open &= ~np.isin(d.verdict, DECISIONS)
        if not still_open.any():
            break
    return result


def _merge(old: Decision, new: Decision, take: np.ndarray) -> Decision:
    pick = lambda a, b: np.where(take, b, a)  # noqa: E731
    return Decision(pick(old.verdict, new.verdict), pick(old.mean, new.mean),
                    pick(old.low, new.low),
                    pick(old.high, new.high), pick(old.n, new.n),
                    pick(old.p_value, new.p_value), new.alpha)


__all__ = ['Decision', 'decide', 'fewest_pairs_for_a_verdict',
           'fewest_seeds_to_decide',
           'first_decision', 'running_decisions', 'sequence_path']
