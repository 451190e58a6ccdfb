"""A tiny deterministic embedder for unit tests: hashed character trigrams.

It has no notion of meaning; it only lets tests of other stages run in milliseconds.
It is never a default and the CLI refuses it unless asked for by name.
"""

from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np

from pipeline.embed.base import register_embedder


class HashingEmbedder:
    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.id = f"hashing-trigram-{dim}@1"

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        padded = f"  {text.lower()}  "
        for i in range(len(padded) - 2):
            h = int.from_bytes(hashlib.blake2b(padded[i : i + 3].encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 63) else -1.0
        norm = np.linalg.norm(v)
        return v / norm if norm else v

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def count_tokens(self, texts: Sequence[str]) -> int:
        return sum(len(t.split()) for t in texts)


@register_embedder("hashing.v1")
def hashing_v1(dim: int = 256, **_ignored) -> HashingEmbedder:
    return HashingEmbedder(dim)
