"""The verdict: the one function that turns an interval into a word, with
the minimum-evidence rule in front of it, and the words themselves.

Every path that decides -- a comparison's fixed-n t-interval, its anytime
confidence sequence, the grid aggregate, convergence, the claims table,
``seeds`` and ``run --until-decided`` -- calls :func:`verdict_words`
(through :mod:`.grid_verdicts`, the only caller that corrects for a grid).

The minimum-evidence rule (:func:`evidence_gaps`): a comparison's paired
differences give **not enough data**, whatever their interval says, when

* there are fewer seed pairs than a verdict needs: :data:`MIN_SEED_PAIRS`
  for a fixed-n interval (with two, the spread rests on one degree of
  freedom, and COCO AP logged to 0.1 point makes two equal differences,
  a zero-width interval, common), and for an anytime-valid sequence the
  fewest at which it can be bounded at all
  (:func:`.sequential.fewest_seeds_to_decide`, 5 at 95%);
* their spread (the sample standard deviation) is zero, or below the
  metric's resolution: AP read from mmdet's log is rounded to 0.1 point
  (:data:`LOGGED_RESOLUTION`), and differences that vary by less than
  that cannot tell seed noise from rounding.  AP recomputed at full
  precision from a run's stored detections has resolution 0.

The words: ``beats`` (interval above 0), ``worse`` (below 0),
``equivalent`` (within ``±precision``), else the undecided word of the
interval's kind (``no measurable difference`` for a fixed-n interval,
``undecided`` for an anytime one), and :data:`NOT_ENOUGH` before all of
them.  The claims table reads ``beats``/``worse`` of an aggregate as
``supported``/``contradicted`` (:data:`CLAIM_WORDS`).
"""
from typing import Optional, Sequence

import numpy as np

BEATS, WORSE, EQUIVALENT = 'beats', 'worse', 'equivalent'
NOT_ENOUGH = 'not enough data'
#: the undecided word per kind of interval
ANYTIME, FIXED = 'anytime', 'fixed'
UNDECIDED = {ANYTIME: 'undecided', FIXED: 'no measurable difference'}
#: the words that are a decision
DECISIONS = (BEATS, WORSE, EQUIVALENT)
#: a claim's word for a verdict on its aggregate
CLAIM_WORDS = {BEATS: 'supported', WORSE: 'contradicted'}
NOT_SHOWN = 'not shown'
#: seed pairs a fixed-n verdict needs at least (module doc)
MIN_SEED_PAIRS = 3
#: AP points: mmdet's CocoMetric logs round(AP, 3), VOCMetric likewise
LOGGED_RESOLUTION = 0.1
#: the sweep's error level unless its spec says ``alpha:``
DEFAULT_ALPHA = 0.05


def level_text(alpha: float) -> str:
    """The confidence level of ``alpha`` as every label prints it:
    ``95%`` (``99.5%`` where a whole number would round it)."""
    level = 100 * (1 - alpha)
    return f'{level:.0f}%' if abs(level - round(level)) < 1e-9 else \
        f'{level:.3g}%'


#: a spread this small relative to the differences is float round-off
ZERO_SPREAD = 1e-9


def is_zero_spread(spread, values) -> np.ndarray:
    """Whether ``spread`` (the sd of ``values`` along the last axis) is
    zero but for float round-off (``30.1 - 30.0`` and ``30.2 - 30.1``
    differ in the 15th digit)."""
    scale = np.max(np.abs(np.asarray(values, dtype=float)), axis=-1,
                   initial=1.0)
    return np.asarray(spread) <= ZERO_SPREAD * scale


def claim_word(verdict: str) -> str:
    """``supported``/``contradicted`` for ``beats``/``worse``; ``not
    enough data`` stays; anything else is ``not shown``."""
    if verdict == NOT_ENOUGH:
        return NOT_ENOUGH
    return CLAIM_WORDS.get(verdict, NOT_SHOWN)


def all_of(verdicts: Sequence[str]) -> str:
    """One verdict from several tests of the same data that must all
    hold (an intersection-union test: each at level alpha, the
    conjunction is a level-alpha test; Berger, "Multiparameter hypothesis
    testing and acceptance sampling", Technometrics 1982): ``beats``
    (``worse``) only where every one is; ``not enough data`` where any
    one has not; else the first one's undecided word."""
    verdicts = list(verdicts)
    if not verdicts or NOT_ENOUGH in verdicts:
        return NOT_ENOUGH
    for word in (BEATS, WORSE):
        if all(v == word for v in verdicts):
            return word
    return next((v for v in verdicts if v not in (BEATS, WORSE)),
                UNDECIDED[FIXED])


def evidence_gap(differences: Sequence[float], resolution: float = 0.0,
                 min_pairs: int = MIN_SEED_PAIRS) -> Optional[str]:
    """Why ``differences`` (one per seed pair) are not enough data for a
    verdict (module doc), or None when they are."""
    x = np.asarray(differences, dtype=float).reshape(1, -1)
    return evidence_gaps(x, resolution, min_pairs)[0]


def evidence_gaps(x: np.ndarray, resolution: float = 0.0,
                  min_pairs: int = MIN_SEED_PAIRS) -> np.ndarray:
    """:func:`evidence_gap` over the rows of ``x`` (..., n): an object
    array of reasons, None where a row is enough data."""
    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    out = np.full(x.shape[:-1], None, dtype=object)
    if n < min_pairs:
        out[...] = (f'{n} seed pair{"s" if n != 1 else ""}; a verdict needs '
                    f'at least {min_pairs}')
        return out
    sd = x.std(axis=-1, ddof=1)
    zero = np.atleast_1d(is_zero_spread(sd, x)).ravel()
    spread = np.where(zero, 0.0, np.atleast_1d(sd).ravel())
    flat = (spread < max(float(resolution), 0.0) * (1 - 1e-6)) | zero
    reasons = out.reshape(-1)
    for i in np.flatnonzero(flat):
        reasons[i] = (
            'the differences do not vary (spread 0): no interval'
            if spread[i] == 0 else
            f'the differences\' spread, {spread[i]:.3g} points, is below the '
            f'metric\'s resolution, {resolution:g}: noise cannot be told '
            'from rounding')
    return reasons.reshape(out.shape)


def verdict_words(low, high, precision: Optional[float] = None,
                  kind: str = FIXED, gaps=None) -> np.ndarray:
    """The verdict of each interval ``[low, high]`` (arrays of one shape;
    NaN: no interval): :data:`NOT_ENOUGH` where ``gaps`` (the same shape,
    from :func:`evidence_gaps`) names a reason or there is no interval,
    else ``beats``/``worse``/``equivalent`` or the kind's undecided word
    (module doc)."""
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    verdict = np.full(np.shape(low), UNDECIDED[kind], dtype=object)
    verdict[np.asarray(low > 0)] = BEATS
    verdict[np.asarray(high < 0)] = WORSE
    if precision is not None:
        verdict[np.asarray((low >= -precision) & (high <= precision) &
                           (low <= 0) & (high >= 0))] = EQUIVALENT
    missing = np.isnan(low) | np.isnan(high)
    if gaps is not None:
        flagged = np.array([g is not None for g in np.asarray(
            gaps, dtype=object).reshape(-1)], dtype=bool)
        missing = missing | flagged.reshape(np.shape(missing))
    verdict[np.asarray(missing)] = NOT_ENOUGH
    return verdict


__all__ = ['ANYTIME', 'BEATS', 'CLAIM_WORDS', 'DECISIONS', 'DEFAULT_ALPHA',
           'EQUIVALENT', 'level_text',
           'FIXED', 'LOGGED_RESOLUTION', 'MIN_SEED_PAIRS', 'NOT_ENOUGH',
           'NOT_SHOWN', 'UNDECIDED', 'WORSE', 'ZERO_SPREAD', 'all_of', 'claim_word',
           'evidence_gap', 'evidence_gaps', 'is_zero_spread',
           'verdict_words']
