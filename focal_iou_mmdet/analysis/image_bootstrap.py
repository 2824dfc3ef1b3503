"""A paired bootstrap over validation images for the difference of two
runs evaluated on the same images, in every box metric of their match.

Each run's detections are matched to the ground truth once
(:class:`~...evaluation.coco_match.RunMatch`); a bootstrap sample is a
vector of image weights (how often each image was drawn) and its metrics
are the same accumulation with every image's detections and ground truth
counted that many times.  Both runs get the same resampled images, so the
interval is on the paired difference (Efron & Tibshirani, "An
Introduction to the Bootstrap", 1993, ch. 13: percentile intervals).  The
draws are made one resample after another from ``seed`` and evaluated in
batches, so the same seed gives the same intervals whatever the batch.
"""
from typing import Dict, Sequence, Tuple

import numpy as np

from ..evaluation.coco_match import AREAS, RunMatch, percent_scale



def resample_weights(n_images: int, resamples: int, seed: int
                     ) -> np.ndarray:
    """(resamples, n_images): how often each image is drawn, per
    resample (images drawn with replacement)."""
    rng = np.random.default_rng(seed)
    return np.stack([np.bincount(rng.integers(0, n_images, n_images),
                                 minlength=n_images)
                     for _ in range(resamples)]).astype(float) \
        if resamples else np.zeros((0, n_images))


def paired_draws(a: RunMatch, b: RunMatch, resamples: int = 1000,
                 seed: int = 0, area: str = 'all'
                 ) -> Dict[str, np.ndarray]:
    """Per metric, metric(a) - metric(b) over ``resamples`` draws of the
    images (the same draw for both runs; percent points for fractions);
    draws where either is undefined are left out."""
    if a.img_ids != b.img_ids:
        raise ValueError('the two runs were evaluated on different images')
    if area not in AREAS:
        raise ValueError(f'area {area!r} is not one of {AREAS}')
    w = resample_weights(len(a.img_ids), resamples, seed)
    da, db = a.draws(area, w), b.draws(area, w)
    out = {}
    for k in da:
        d = (da[k] - db[k]) * percent_scale(k)
        out[k] = d[~np.isnan(d)]
    return out


def kept_paired_draws(a: RunMatch, b: RunMatch, path: str,
                      resamples: int = 1000, seed: int = 0,
                      areas: Sequence[str] = ('all',)
                      ) -> Dict[str, Dict[str, np.ndarray]]:
    """``{area: paired_draws(...)}``, read from ``path`` (``.npz``) where
    it was kept for the same two matches (their keys), resamples and seed,
    else computed and kept there (arrays only: read without pickle).
    Matches without a key are never kept."""
    import json
    import os
    key = json.dumps([a.key, b.key, resamples, seed, list(areas)]) \
        if a.key and b.key else None
    if key is not None:
        try:
            with np.load(path, allow_pickle=False) as z:
                if str(z['key']) == key:
                    return {area: {k.split('/', 1)[1]: z[k] for k in z.files
                                   if k.startswith(area + '/')}
                            for area in areas}
        except (OSError, ValueError, KeyError):
            pass
    found = {area: paired_draws(a, b, resamples, seed, area)
             for area in areas}
    if key is not None:
        tmp = f'{path}.{os.getpid()}.tmp.npz'
        try:
            np.savez(tmp, key=np.asarray(key), **{
                f'{area}/{k}': v for area, d in found.items()
                for k, v in d.items()})
            os.replace(tmp, path)
        except OSError:
            pass
    return found


def bootstrap_draws(a: RunMatch, b: RunMatch, resamples: int = 1000,
                    seed: int = 0, area: str = 'all', metric: str = 'AP'
                    ) -> np.ndarray:
    """:func:`paired_draws` of one metric."""
    return paired_draws(a, b, resamples, seed, area)[metric]


def summary_of(a: RunMatch, b: RunMatch, draws: np.ndarray, metric: str,
               area: str = 'all', level: float = 0.95
               ) -> Tuple[float, float, float, float]:
    """``(difference, low, high, variance)``: the difference on the full
    set, the percentile interval and the variance of ``draws``.
    ValueError where the full set has no such difference or no draw."""
    full = (a.metrics(area)[metric] - b.metrics(area)[metric]) * percent_scale(metric)
    if np.isnan(full) or len(draws) < 2:
        raise ValueError(f'no {metric} difference in area {area!r}')
    lo, hi = np.percentile(draws, [50 * (1 - level), 50 * (1 + level)])
    return float(full), float(lo), float(hi), float(np.var(draws, ddof=1))


def bootstrap_summary(a: RunMatch, b: RunMatch, resamples: int = 1000,
                      seed: int = 0, level: float = 0.95, area: str = 'all',
                      metric: str = 'AP') -> Tuple[float, float, float, float]:
    """``(difference, low, high, variance)`` of ``metric``(a) -
    ``metric``(b) (AP: in percent points): :func:`summary_of` over
    :func:`bootstrap_draws` (the variance is the test set's sampling
    variance of the difference)."""
    draws = bootstrap_draws(a, b, resamples, seed, area, metric)
    return summary_of(a, b, draws, metric, area, level)


def paired_bootstrap(a: RunMatch, b: RunMatch, resamples: int = 1000,
                     seed: int = 0, level: float = 0.95,
                     area: str = 'all') -> Tuple[float, float, float]:
    """``(difference, low, high)`` of :func:`bootstrap_summary`."""
    return bootstrap_summary(a, b, resamples, seed, level, area)[:3]


__all__ = ['bootstrap_draws', 'bootstrap_summary',
           'kept_paired_draws',
           'paired_bootstrap', 'paired_draws', 'resample_weights',
           'summary_of']
