"""A synthetic embedding space where the truth is known: every registered mapper is run on it.

Codes sit on their own axes; an excerpt that carries a code leans on that axis, every other
excerpt is noise in the remaining dimensions, as most of an interview carries no code.
"""

from __future__ import annotations

import numpy as np

from pipeline.mapping.prototype import codebook_prototypes
from pipeline.mapping.vectors import ExcerptVectors, LabelledExcerpt
from pipeline.records import Code, Codebook, Excerpt

DIM = 24
CODES = ("funding", "trust", "regulation")
BOOK = Codebook(
    name="synthetic", version="1", sha256="0" * 64, source="synthetic.csv",
    codes=tuple(Code(c, c.title(), f"talk about {c}") for c in CODES),
)


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def prototypes(book: Codebook = BOOK):
    protos = codebook_prototypes(book)
    vectors = np.zeros((len(protos), DIM), dtype=np.float32)
    for i, p in enumerate(protos):
        axis = CODES.index(p.code) if p.code in CODES else DIM - 1
        vectors[i, axis] = 1.0
    return protos, vectors


def run(n: int = 400, share: float = 0.1, seed: int = 0, strength: float = 0.6, doc_size: int = 50):
    """``n`` excerpts, ``share`` of them carrying one code each: (excerpts, vectors, truth)."""
    rng = np.random.default_rng(seed)
    truth: list[frozenset[str]] = []
    text = rng.normal(0, 1, (n, DIM))
    text[:, : len(CODES)] = rng.normal(0, 0.15, (n, len(CODES)))
    for i in range(n):
        if rng.random() < share:
            j = int(rng.integers(len(CODES)))
            text[i, j] += strength * np.linalg.norm(text[i])
            truth.append(frozenset({CODES[j]}))
        else:
            truth.append(frozenset())
    text = _unit(text)
    question = _unit(rng.normal(0, 1, (n, DIM)))
    excerpts = [Excerpt(f"doc{i // doc_size}.{i}", f"doc{i // doc_size}", i, i + 1, "words said here", i, "R",
                        "en", "a question asked here?", None) for i in range(n)]
    vectors = ExcerptVectors(text, question, _unit(text + 0.3 * question))
    return excerpts, vectors, truth


def labelled(excerpts, truth, rows) -> list[LabelledExcerpt]:
    return [LabelledExcerpt(excerpts[i], truth[i]) for i in rows]


def precision_recall(codings, truth) -> tuple[float, float, int]:
    suggested = [{s.code for s in c.suggestions} for c in codings]
    tp = sum(len(s & t) for s, t in zip(suggested, truth))
    shown = sum(len(s) for s in suggested)
    real = sum(len(t) for t in truth)
    return (tp / shown if shown else 0.0), (tp / real if real else 0.0), shown
