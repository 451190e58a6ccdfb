"""The background modelled from the run itself: how likely a score is to be more than chance.

Most of what interviewees say carries no code, so in a run most excerpts' scores for a
code are background: they scatter around the run's typical score. Excerpts that really
carry the code add a heavier right tail. ``excess_probability`` estimates, for each score,
the probability that it comes from that tail rather than from the background: Efron's
local false discovery rate with an empirical null,

    P(code | s) = 1 - f0(s) / f(s),

where ``f`` is the density of the run's scores (a binned Gaussian kernel estimate) and
``f0`` a normal density fitted to the background alone: centred on the median, with a
spread read from the left half only (median minus the 15.87th percentile), which the
right tail does not touch, and smoothed by the same kernel as ``f`` (its variance is the
spread's plus the bandwidth's), so that the two densities are compared alike: an unsmoothed
``f0`` is narrower than the estimate of ``f`` would be from background alone, and every
score a little above the bulk looked like excess (in runs of 200 scores of pure Gaussian
noise, 1.25% of scores reached 0.5, and 0.58% with both smoothed; on ParlaTO PTD001, an
Italian interview with no barrier talk, 2.4% -> 1.4% of excerpts were suggested a barrier).
Taking all excerpts as potential background (pi0 = 1) keeps the
estimate conservative. A run with no talk of a code has no excess tail, so nothing is
suggested for it however the scores rank; a run full of it has a fat tail, and the
probabilities say how fat. Probabilities never decrease with the score.
"""

from __future__ import annotations

import numpy as np

MIN_EXCERPTS = 20
"""Fewer scores than this cannot show a background and a tail apart."""
BINS = 512


def excess_probability(scores: np.ndarray, *, min_excerpts: int = MIN_EXCERPTS) -> np.ndarray:
    """Per score, the probability that it lies above the run's background (see the module docstring).

    Returns zeros for fewer than ``min_excerpts`` scores, or when they do not vary.
    """
    s = np.asarray(scores, dtype=float)
    n = len(s)
    out = np.zeros(n)
    if n < min_excerpts:
        return out
    centre = float(np.median(s))
    spread0 = centre - float(np.quantile(s, 0.1587))
    iqr = float(np.quantile(s, 0.75) - np.quantile(s, 0.25))
    if spread0 <= 1e-12 or iqr <= 1e-12:
        return out
    # Silverman's rule for the kernel, a histogram on a fine grid smoothed by it
    bandwidth = 1.06 * min(s.std(), iqr / 1.34) * n ** -0.2
    lo, hi = s.min() - 4 * bandwidth, s.max() + 4 * bandwidth
    counts, edges = np.histogram(s, bins=BINS, range=(lo, hi))
    centres = (edges[:-1] + edges[1:]) / 2
    step = edges[1] - edges[0]
    half = int(np.ceil(4 * bandwidth / step))
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) * step / bandwidth) ** 2)
    kernel /= kernel.sum()
    density = np.convolve(counts, kernel, mode="same") / (n * step)
    f = np.interp(s, centres, density)
    spread = np.sqrt(spread0**2 + bandwidth**2)  # the background as the kernel estimate would see it
    f0 = np.exp(-0.5 * ((s - centre) / spread) ** 2) / (spread * np.sqrt(2 * np.pi))
    p = np.clip(1.0 - f0 / np.maximum(f, 1e-300), 0.0, 1.0)
    p[s <= centre] = 0.0
    order = np.argsort(s, kind="stable")
    out[order] = np.maximum.accumulate(p[order])
    return out


__all__ = ["MIN_EXCERPTS", "excess_probability"]
