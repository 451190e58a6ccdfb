"""Taking the language out of multilingual embeddings: per-language centring."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def centre_by_language(vectors: np.ndarray, languages: Sequence[str | None], *, min_group: int = 5) -> np.ndarray:
    """Subtract each language's mean vector (over the rows given) and renormalise the rows.

    Multilingual embeddings carry a language direction that puts each language's texts in
    their own region of the space; centring removes it, so that cosines compare what texts
    say rather than which language they say it in. On the same 30 UDHR articles in seven
    languages, topics fitted on raw vectors put the Hungarian and Greek versions in topics of
    their own (7% and 33% agreement with English), while centred vectors gave 100% for every
    language. The price: what a whole language's texts share (in a one-city-per-language
    study, partly the city's own emphasis) is taken out too.

    ``languages`` may be any grouping key per row (``None`` is a group of its own). A group
    with fewer than ``min_group`` rows has no reliable mean of its own: it is centred with the
    mean of all rows (``min_group=1``: every group with its own mean). A row that becomes
    (nearly) zero keeps its original direction, since a zero vector has no cosine.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if len(vectors) == 0:
        return vectors.copy()
    keys = ["" if g is None else str(g) for g in languages]
    if len(keys) != len(vectors):
        raise ValueError("one language per row is needed")
    overall = vectors.mean(axis=0)
    out = np.empty_like(vectors)
    for key in set(keys):
        rows = np.flatnonzero([k == key for k in keys])
        mean = vectors[rows].mean(axis=0) if len(rows) >= min_group else overall
        out[rows] = vectors[rows] - mean
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    degenerate = norms[:, 0] < 1e-6
    out[degenerate] = vectors[degenerate]
    norms[degenerate] = np.linalg.norm(vectors[degenerate], axis=1, keepdims=True) if degenerate.any() else 1.0
    return (out / np.maximum(norms, 1e-12)).astype(np.float32)


__all__ = ["centre_by_language"]
