"""Mapping excerpts and topics to codebook categories."""

from pipeline.mapping.prototype import NONE, PrototypeMapper, Prototype, codebook_prototypes, embed_prototypes
from pipeline.mapping.topics import map_topics

__all__ = ["NONE", "Prototype", "PrototypeMapper", "codebook_prototypes", "embed_prototypes", "map_topics"]
