"""The machine's codes for units: the registered mapper, learning first from coded units.

The machine's codes for a unit are its suggestions; at the segment level, where every
unit carries a human code by construction, the top-ranked code is always included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.errors import InvalidInput
from pipeline.records import Codebook, Excerpt


@dataclass(frozen=True)
class Predictions:
    """What a mapper said about units, row-aligned with ``unit_ids``."""

    unit_ids: tuple[str, ...]
    codes: tuple[str, ...]
    confidence: np.ndarray
    suggested: dict[str, frozenset[str]]


class MemoryCache:
    """An in-process ``VectorCache`` (evaluations embed the same texts many times)."""

    def __init__(self) -> None:
        self.vectors: dict[str, dict[str, np.ndarray]] = {}

    def get_vectors(self, embedder_id: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        mine = self.vectors.get(embedder_id, {})
        return {h: mine[h] for h in hashes if h in mine}

    def put_vectors(self, embedder_id: str, vectors: dict[str, np.ndarray]) -> None:
        self.vectors.setdefault(embedder_id, {}).update(vectors)


def predict(
    units: Sequence[Excerpt],
    codebook: Codebook,
    embedder,
    *,
    mapper: str = "detect.v2",
    train: Sequence = (),
    config=None,
    cache=None,
    force_top1: bool = False,
    learner: Mapping | None = None,
) -> Predictions:
    """Code ``units`` with the registered ``mapper``, which first learns from ``train``:
    ``(unit, gold codes)`` pairs (a complete coding) or ``LabelledExcerpt``s.

    ``learner``: keyword arguments for the mapper's class (the benchmark's ablations).
    """
    from pipeline.config import MappingConfig
    from pipeline.mapping.base import mapper_class
    from pipeline.mapping.vectors import LabelledExcerpt, embed_codebook, embed_excerpts, text_only

    mapping = (config or MappingConfig()).model_copy(update={"mapper": mapper})
    try:
        cls = mapper_class(mapper)
    except KeyError as exc:
        raise InvalidInput("--mapper", exc.args[0]) from None
    if train and not getattr(cls, "learns", False):
        raise InvalidInput("--mapper", f"{mapper} does not learn; use a mapper that learns with --learn-from")
    codes = tuple(c.name for c in codebook.codes)
    prototypes, proto_vectors = embed_codebook(embedder, codebook, cache)

    def vectors_of(excerpts):
        if cls.reads_context:
            return embed_excerpts(embedder, excerpts, cache)
        from pipeline.embed.cache import embed_with_cache

        return text_only(embed_with_cache(embedder, [e.text for e in excerpts], cache)[0])

    examples = [u if isinstance(u, LabelledExcerpt) else LabelledExcerpt(u[0], frozenset(u[1])) for u in train]
    from pipeline.mapping.dimensions import fit_per_dimension

    model = fit_per_dimension(cls, mapping, codebook, proto_vectors, prototypes, examples,
                              vectors_of([ex.excerpt for ex in examples]) if examples else None, **dict(learner or {}))
    codings = model.code(units, vectors_of(units))
    column = {c: j for j, c in enumerate(codes)}
    confidence = np.zeros((len(units), len(codes)))
    suggested = {}
    for i, coding in enumerate(codings):
        for s in coding.scores:
            confidence[i, column[s.code]] = s.score
        chosen = {s.code for s in coding.suggestions}
        if force_top1 and len(codes):
            chosen.add(codes[int(np.argmax(confidence[i]))])
        suggested[coding.excerpt_id] = frozenset(chosen)
    return Predictions(tuple(u.id for u in units), codes, confidence, suggested)


def run_defaults(config, embedder, cache):
    """The run config (default settings when none), its embedder when none is given, and an
    in-process vector cache when none is given."""
    from pipeline.config import RunConfig

    config = config or RunConfig()
    if embedder is None:
        from pipeline.embed.factory import make_embedder

        embedder = make_embedder(config.embed)
    return config, embedder, (cache if cache is not None else MemoryCache())


__all__ = ["MemoryCache", "Predictions", "predict", "run_defaults"]
