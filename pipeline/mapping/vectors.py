"""What mappers read: the excerpts' embeddings, the codebook's, and coders' labels.

Every mapper is handed the same ``ExcerptVectors`` (the text, the question it answers, and
both read together), so a run embeds each view once, through the cache, whichever mapper
codes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from pipeline.embed.base import Embedder
from pipeline.records import Codebook, Excerpt

if TYPE_CHECKING:  # pragma: no cover
    from pipeline.mapping.prototype import Prototype


@dataclass(frozen=True)
class ExcerptVectors:
    """The embeddings ``learned.v1`` reads for a batch of excerpts, row-aligned.

    ``question`` rows are zero for an excerpt with no question before it; ``with_question``
    is the embedding of ``"{question}\\n{text}"`` (the excerpt's text alone when there is
    no question).
    """

    text: np.ndarray
    question: np.ndarray
    with_question: np.ndarray

    def __len__(self) -> int:
        return len(self.text)

    def take(self, rows: Sequence[int] | np.ndarray) -> "ExcerptVectors":
        rows = np.asarray(rows, dtype=int)
        return ExcerptVectors(self.text[rows], self.question[rows], self.with_question[rows])


def context_text(excerpt: Excerpt) -> str:
    return f"{excerpt.question}\n{excerpt.text}" if excerpt.question else excerpt.text


def embed_excerpts(embedder: Embedder, excerpts: Sequence[Excerpt], cache=None,
                   text_vectors: np.ndarray | None = None) -> ExcerptVectors:
    """Embed the texts, the questions and both together (each distinct text once, cached).

    ``text_vectors``: the texts' embeddings when the caller has them already (a run's embed
    stage); then only the questions and question + text are looked up or embedded.
    """
    from pipeline.embed.cache import embed_with_cache

    n = len(excerpts)
    questions = sorted({e.question for e in excerpts if e.question})
    texts = ([] if text_vectors is not None else [e.text for e in excerpts]) + [context_text(e) for e in excerpts]
    vectors, _ = embed_with_cache(embedder, texts + questions, cache)
    if text_vectors is not None:
        if len(text_vectors) != n:
            raise ValueError("text_vectors needs one row per excerpt")
        vectors = np.vstack([np.asarray(text_vectors, dtype=vectors.dtype), vectors]) if n else vectors
    by_question = dict(zip(questions, vectors[2 * n:]))
    question = np.stack([by_question[e.question] if e.question else np.zeros(embedder.dim, np.float32)
                         for e in excerpts]) if n else np.zeros((0, embedder.dim), np.float32)
    return ExcerptVectors(vectors[:n], question, vectors[n:2 * n])


@dataclass(frozen=True)
class LabelledExcerpt:
    """A training example: what coders said about one excerpt.

    ``positive``: codes that apply. ``negative``: codes that do not; ``None`` means the
    coding is complete, so every code not in ``positive`` is a negative.
    """

    excerpt: Excerpt
    positive: frozenset[str]
    negative: frozenset[str] | None = None

    def label(self, code: str) -> int | None:
        if code in self.positive:
            return 1
        if self.negative is None or code in self.negative:
            return 0
        return None


def embed_codebook(embedder: Embedder, codebook: Codebook, cache=None) -> tuple[list["Prototype"], np.ndarray]:
    """The codebook's prototypes and their vectors; with code families, those of every
    family (a family's own background phrases too), for ``mapping.dimensions``; then the
    pieces of every definition (``mapping.pieces``: read by ``detect.v2`` only)."""
    from pipeline.codebook.dimensions import split_by_dimension
    from pipeline.mapping.pieces import definition_pieces
    from pipeline.mapping.prototype import codebook_prototypes, embed_prototypes

    prototypes = codebook_prototypes(codebook)
    parts = split_by_dimension(codebook)
    if len(parts) > 1:
        seen = {(p.code, p.text, p.lang) for p in prototypes}
        for _, sub in parts:
            for p in codebook_prototypes(sub):
                if (p.code, p.text, p.lang) not in seen:
                    seen.add((p.code, p.text, p.lang))
                    prototypes.append(p)
    prototypes += definition_pieces(codebook)
    return prototypes, embed_prototypes(embedder, prototypes, cache)




def text_only(vectors: np.ndarray) -> ExcerptVectors:
    """``ExcerptVectors`` with the text view only (for mappers that read no context)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    return ExcerptVectors(vectors, np.zeros_like(vectors), vectors)


__all__ = ["ExcerptVectors", "LabelledExcerpt", "context_text", "embed_codebook", "embed_excerpts", "text_only"]
