"""``detect.v2``: a code's definition read in pieces; the other mappers do not see them."""

from __future__ import annotations

import numpy as np

from pipeline.config import MappingConfig
from pipeline.mapping.detect import DetectMapper, DetectPiecesMapper
from pipeline.mapping.pieces import definition_pieces, included
from pipeline.mapping.prototype import PrototypeMapper, codebook_prototypes
from pipeline.mapping.vectors import ExcerptVectors
from pipeline.records import Code, Codebook, Excerpt
from tests.mapping import synthetic

DIM = 32
ITEMS = ("grants", "loans", "budgets", "permits", "licences", "inspections")
BOOK = Codebook(
    name="pieces", version="1", sha256="0" * 64, source="pieces.csv",
    codes=(Code("funding", "Funding", "outside money: grants, loans (state, federal), budgets. NOT a household's bill"),
           Code("regulation", "Regulation", "rules: permits, licences, inspections")),
)


def test_a_definition_is_cut_into_clauses_outside_parentheses_without_what_it_excludes():
    pieces = definition_pieces(BOOK)
    funding = [p.text for p in pieces if p.code == "funding"]
    assert funding == ["Funding: outside money", "Funding: grants", "Funding: loans (state, federal)",
                       "Funding: budgets", "Funding: outside money: grants, loans (state, federal), budgets."]
    assert all(p.piece and p.lang is None for p in pieces)
    assert not any("household" in p.text for p in pieces)
    assert included("a, b. NOT c") == "a, b."
    assert not any(p.piece for p in codebook_prototypes(BOOK))


def _space():
    """Each item of a list has its own axis; a definition's one embedding is their average."""
    protos = codebook_prototypes(BOOK) + definition_pieces(BOOK)
    vectors = np.zeros((len(protos), DIM), dtype=np.float32)
    for i, p in enumerate(protos):
        # a clause naming no item ("outside money") has an axis of its own code
        hits = [j for j, item in enumerate(ITEMS) if item in p.text.lower()] or [len(ITEMS) + (p.code == "regulation")]
        vectors[i, hits] = 1.0
    return protos, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _run(n=600, share=0.12, seed=0, strength=0.25):
    rng = np.random.default_rng(seed)
    text = rng.normal(0, 1, (n, DIM))
    text[:, : len(ITEMS) + 2] = rng.normal(0, 0.15, (n, len(ITEMS) + 2))
    truth = []
    for i in range(n):
        if rng.random() < share:  # talk of one item of a code's list only
            item = int(rng.integers(len(ITEMS)))
            text[i, item] += strength * np.linalg.norm(text[i])
            truth.append({"funding" if item < 3 else "regulation"})
        else:
            truth.append(set())
    text = text / np.linalg.norm(text, axis=1, keepdims=True)
    excerpts = [Excerpt(f"d{i // 50}.{i}", f"d{i // 50}", i, i + 1, "words said here", i, "R", "en", None, None)
                for i in range(n)]
    return excerpts, ExcerptVectors(text.astype(np.float32), np.zeros_like(text, dtype=np.float32),
                                    text.astype(np.float32)), truth


def _recall(codings, truth):
    found = sum(len({s.code for s in c.suggestions} & t) for c, t in zip(codings, truth))
    shown = sum(len(c.suggestions) for c in codings)
    return found / sum(len(t) for t in truth), found / max(shown, 1)


def test_detect_v2_finds_talk_of_one_item_of_a_definition_better_than_detect_v1():
    protos, vectors = _space()
    excerpts, ev, truth = _run()
    v1 = DetectMapper(MappingConfig(), lexical_weight=0.0).fit(BOOK, vectors, protos).code(excerpts, ev)
    v2 = DetectPiecesMapper(MappingConfig(), lexical_weight=0.0).fit(BOOK, vectors, protos).code(excerpts, ev)
    (r1, p1), (r2, p2) = _recall(v1, truth), _recall(v2, truth)
    assert r2 > r1 + 0.3 and p2 >= max(p1 - 0.05, 0.85)
    reasons = [s.reason for c in v2 for s in c.suggestions]
    assert reasons and all("closest part of its definition" in r for r in reasons)


def test_pieces_change_nothing_for_the_other_mappers_and_detect_v2_without_them_is_detect_v1():
    protos, vectors = _space()
    whole = [i for i, p in enumerate(protos) if not p.piece]
    excerpts, ev, _ = _run(seed=1)
    for cls in (PrototypeMapper, DetectMapper):
        with_pieces = cls(MappingConfig()).fit(BOOK, vectors, protos)
        without = cls(MappingConfig()).fit(BOOK, vectors[whole], [protos[i] for i in whole])
        args = (excerpts, ev.text) if cls is PrototypeMapper else (excerpts, ev)
        assert [c.suggestions for c in with_pieces.code(*args)] == [c.suggestions for c in without.code(*args)]
    v1 = DetectMapper(MappingConfig()).fit(BOOK, vectors[whole], [protos[i] for i in whole]).code(excerpts, ev)
    v2 = DetectPiecesMapper(MappingConfig()).fit(BOOK, vectors[whole], [protos[i] for i in whole]).code(excerpts, ev)
    assert [c.suggestions for c in v1] == [c.suggestions for c in v2]


def test_a_code_with_example_phrases_is_read_as_in_detect_v1():
    book = synthetic.BOOK
    with_examples = Codebook(name=book.name, version=book.version, sha256=book.sha256, source=book.source,
                             codes=(Code("funding", "Funding", "talk about funding", examples={"en": ("grant talk",)}),
                                    *book.codes[1:]))
    for codebook, read_in_pieces in ((book, set(synthetic.CODES)), (with_examples, {"trust", "regulation"})):
        protos = codebook_prototypes(codebook) + definition_pieces(codebook)
        vectors = np.random.default_rng(0).normal(0, 1, (len(protos), synthetic.DIM)).astype(np.float32)
        mapper = DetectPiecesMapper(MappingConfig()).fit(codebook, vectors, protos)
        assert set(mapper.piece_rows_) == read_in_pieces
