"""Embedding with a cache keyed by (embedder id, sha256 of the text): a re-run embeds only new text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from pipeline.embed.base import Embedder


class VectorCache(Protocol):
    def get_vectors(self, embedder_id: str, hashes: Sequence[str]) -> dict[str, np.ndarray]: ...

    def put_vectors(self, embedder_id: str, vectors: dict[str, np.ndarray]) -> None: ...


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    texts: int
    hits: int
    embedded: int


def embed_with_cache(
    embedder: Embedder,
    texts: Sequence[str],
    cache: VectorCache | None,
    *,
    chunk: int = 512,
) -> tuple[np.ndarray, CacheStats]:
    """Vectors for ``texts`` in order, embedding only those the cache lacks (duplicates once)."""
    hashes = [text_hash(t) for t in texts]
    found = cache.get_vectors(embedder.id, sorted(set(hashes))) if cache is not None else {}
    missing: dict[str, str] = {}
    for h, t in zip(hashes, texts):
        if h not in found:
            missing.setdefault(h, t)
    todo = list(missing.items())
    for i in range(0, len(todo), chunk):
        part = todo[i : i + chunk]
        vectors = embedder.embed([t for _, t in part])
        fresh = {h: v for (h, _), v in zip(part, vectors)}
        if cache is not None:
            cache.put_vectors(embedder.id, fresh)
        found.update(fresh)
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for i, h in enumerate(hashes):
        out[i] = found[h]
    stats = CacheStats(texts=len(texts), hits=sum(1 for h in hashes if h not in missing), embedded=len(todo))
    return out, stats
