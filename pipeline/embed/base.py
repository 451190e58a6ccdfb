"""The ``Embedder`` plug-in point and its registry.

An embedder turns texts into L2-normalised float32 vectors. Its ``id`` names the model,
the runtime, the prompt and a version, and keys the embedding cache: two embedders with
the same id must give the same vectors (to rounding) for the same text.
"""

from __future__ import annotations

from typing import Callable, Protocol, Sequence, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    id: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return an ``(len(texts), dim)`` float32 array of unit-length rows."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Tokens the model would read for ``texts`` (for throughput figures)."""
        ...


def release(embedder: Embedder) -> None:
    """Free what ``embedder`` holds for inference (its model), if it can; it reloads when next used."""
    free = getattr(embedder, "release", None)
    if free is not None:
        free()


EmbedderFactory = Callable[..., Embedder]
_REGISTRY: dict[str, EmbedderFactory] = {}


def register_embedder(name: str) -> Callable[[EmbedderFactory], EmbedderFactory]:
    """Register a factory under a versioned name such as ``"e5-small.torch.v1"``."""

    def decorate(factory: EmbedderFactory) -> EmbedderFactory:
        if name in _REGISTRY:
            raise ValueError(f"embedder {name!r} is registered twice")
        _REGISTRY[name] = factory
        return factory

    return decorate


def registered_embedders() -> dict[str, EmbedderFactory]:
    return dict(_REGISTRY)
