"""Coding each code family (dimension) of a codebook on its own, with any registered mapper.

A codebook with families (``barrier``, ``condition``) is split into one codebook per family
(``pipeline.codebook.dimensions.split_by_dimension``). ``PerDimension`` fits one mapper of
the chosen kind per family and unions their codings: each family has its own background
(its own "none" phrases when it declares them, and for ``detect.v1`` its own run
background), its own per-code thresholds and its own ``max_codes``, and a barrier never
competes with a condition for an excerpt. A codebook without families is one part, coded
by one mapper exactly as before.

Callers (the run, ``qualflow eval``, ``qualflow learn``) embed the prototypes of every
family with ``pipeline.mapping.vectors.embed_codebook``, which knows the families too.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from pipeline.codebook.dimensions import split_by_dimension
from pipeline.records import Codebook, Excerpt, ExcerptCoding


class PerDimension:
    """A fitted mapper per dimension behind the ``Mapper`` interface (``fit``, ``code``, ``notes``)."""

    def __init__(self, cls: type, config, **kwargs) -> None:
        self.cls = cls
        self.config = config
        self.kwargs = kwargs

    # the wrapped kind's description, so the flow and ``eval`` treat it as that mapper
    @property
    def id(self) -> str:
        return self.cls.id

    @property
    def scope(self) -> str:
        return self.cls.scope

    @property
    def reads_context(self) -> bool:
        return self.cls.reads_context

    @property
    def learns(self) -> bool:
        return getattr(self.cls, "learns", False)

    def fit(self, codebook: Codebook, prototype_vectors: np.ndarray, prototypes: Sequence,
            examples: Sequence = (), vectors=None) -> "PerDimension":
        from pipeline.mapping.pieces import definition_pieces
        from pipeline.mapping.prototype import codebook_prototypes

        self.codebook_ = codebook
        parts = split_by_dimension(codebook)
        self.parts_ = []
        if len(parts) == 1:
            self.parts_.append((parts[0][0], self.cls(self.config, **self.kwargs).fit(
                codebook, prototype_vectors, prototypes, examples, vectors)))
            return self
        row = {(p.code, p.text, p.lang, getattr(p, "piece", False)): i for i, p in enumerate(prototypes)}
        for dimension, sub in parts:
            mine = codebook_prototypes(sub)
            missing = [p for p in mine if (p.code, p.text, p.lang, False) not in row]
            if missing:
                raise ValueError(f"prototypes of dimension {dimension.name!r} were not embedded "
                                 f"(e.g. {missing[0].text[:40]!r}); embed them with embed_codebook")
            # the family's definition pieces, where they were embedded (``detect.v2`` reads them)
            mine += [p for p in definition_pieces(sub) if (p.code, p.text, p.lang, True) in row]
            rows = [row[(p.code, p.text, p.lang, p.piece)] for p in mine]
            mapper = self.cls(self.config, **self.kwargs).fit(sub, np.asarray(prototype_vectors)[rows], mine,
                                                               examples, vectors)
            self.parts_.append((dimension, mapper))
        return self

    def code(self, excerpts: Sequence[Excerpt], vectors) -> list[ExcerptCoding]:
        if len(self.parts_) == 1:
            return self.parts_[0][1].code(excerpts, vectors)
        per_part = [mapper.code(excerpts, vectors) for _, mapper in self.parts_]
        order = {c.name: j for j, c in enumerate(self.codebook_.codes)}
        out = []
        for i, excerpt in enumerate(excerpts):
            codings = [part[i] for part in per_part]
            scores = tuple(sorted((s for c in codings for s in c.scores), key=lambda s: order[s.code]))
            chosen = sorted((s for c in codings for s in c.suggestions), key=lambda s: (-s.confidence, order[s.code]))
            suggestions = tuple(type(s)(s.excerpt_id, s.code, s.confidence, s.reason, rank)
                                for rank, s in enumerate(chosen, start=1))
            out.append(ExcerptCoding(excerpt.id, scores, suggestions))
        return out

    def notes(self) -> list[str]:
        return [note for _, mapper in self.parts_ for note in mapper.notes()]

    @property
    def mappers_(self) -> dict[str, object]:
        """The fitted mapper of each dimension, by dimension name."""
        return {d.name: mapper for d, mapper in self.parts_}


def fit_per_dimension(cls: type, config, codebook: Codebook, prototype_vectors: np.ndarray, prototypes: Sequence,
                      examples: Sequence = (), vectors=None, **kwargs) -> PerDimension:
    """``PerDimension(cls, config, **kwargs).fit(...)``: what every caller that codes with a
    codebook's families uses."""
    return PerDimension(cls, config, **kwargs).fit(codebook, prototype_vectors, prototypes, examples, vectors)


__all__ = ["PerDimension", "fit_per_dimension"]
