"""Coding each code family on its own: ``pipeline.mapping.dimensions.PerDimension``."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pipeline.codebook.dimensions import restrict
from pipeline.config import MappingConfig
from pipeline.mapping.base import mapper_class, registered_mappers
from pipeline.mapping.dimensions import PerDimension, fit_per_dimension
from pipeline.mapping.prototype import codebook_prototypes
from pipeline.mapping.vectors import ExcerptVectors
from pipeline.records import Code, Codebook, Dimension, Excerpt
from tests.mapping import synthetic

BARRIERS = ("funding", "trust", "regulation")
CONDITIONS = ("state", "culture")
AXIS = {c: i for i, c in enumerate(BARRIERS + CONDITIONS)}
DIM = 24
FAMILIES = Codebook(
    name="families", version="1", sha256="1" * 64, source="families.yaml",
    codes=tuple(Code(c, c.title(), f"talk about {c}", dimension="barrier") for c in BARRIERS)
    + tuple(Code(c, c.title(), f"talk about {c}", dimension="condition") for c in CONDITIONS),
    dimensions=(Dimension("barrier", "Barrier"), Dimension("condition", "Condition")),
)


def prototypes(book):
    protos = codebook_prototypes(book)
    vectors = np.zeros((len(protos), DIM), dtype=np.float32)
    for i, p in enumerate(protos):
        vectors[i, AXIS.get(p.code, DIM - 1)] = 1.0
    return protos, vectors


def run(n=400, seed=0, strength=0.6):
    """Excerpts carrying a barrier and, independently, a condition (each about 12%)."""
    rng = np.random.default_rng(seed)
    text = rng.normal(0, 1, (n, DIM))
    text[:, :len(AXIS)] = rng.normal(0, 0.15, (n, len(AXIS)))
    truth = []
    for i in range(n):
        carried = set()
        if rng.random() < 0.12:
            carried.add(BARRIERS[int(rng.integers(len(BARRIERS)))])
        if rng.random() < 0.12:
            carried.add(CONDITIONS[int(rng.integers(len(CONDITIONS)))])
        norm = np.linalg.norm(text[i])
        for c in carried:
            text[i, AXIS[c]] += strength * norm
        truth.append(frozenset(carried))
    text = text / np.linalg.norm(text, axis=1, keepdims=True)
    question = rng.normal(0, 1, (n, DIM))
    question /= np.linalg.norm(question, axis=1, keepdims=True)
    excerpts = [Excerpt(f"d{i // 50}.{i}", f"d{i // 50}", i, i + 1, "words said here", i, "R", "en", "asked?", None)
                for i in range(n)]
    with_q = text + 0.3 * question
    return excerpts, ExcerptVectors(text.astype(np.float32), question.astype(np.float32),
                                    (with_q / np.linalg.norm(with_q, axis=1, keepdims=True)).astype(np.float32)), truth


@pytest.mark.parametrize("name", sorted(registered_mappers()))
def test_a_codebook_without_families_is_coded_as_before(name):
    cls = mapper_class(name)
    protos, vectors_p = synthetic.prototypes()
    excerpts, vectors, _ = synthetic.run(n=200)
    direct = cls(MappingConfig(mapper=name)).fit(synthetic.BOOK, vectors_p, protos).code(excerpts, vectors)
    wrapped = fit_per_dimension(cls, MappingConfig(mapper=name), synthetic.BOOK, vectors_p, protos)
    assert wrapped.id == name and wrapped.scope == cls.scope and wrapped.reads_context == cls.reads_context
    assert wrapped.code(excerpts, vectors) == direct


@pytest.mark.parametrize("name", ["detect.v1", "prototype.v1"])
def test_each_family_is_coded_independently_and_the_codings_unioned(name):
    cls = mapper_class(name)
    config = MappingConfig(mapper=name)
    excerpts, vectors, truth = run()
    protos, proto_vectors = prototypes(FAMILIES)
    both = PerDimension(cls, config).fit(FAMILIES, proto_vectors, protos).code(excerpts, vectors)
    for family, codes in (("barrier", BARRIERS), ("condition", CONDITIONS)):
        alone = restrict(FAMILIES, [family])
        p, v = prototypes(alone)
        codings = cls(config).fit(alone, v, p).code(excerpts, vectors)
        # the family's suggestions and scores are exactly what coding it alone gives
        for whole, part in zip(both, codings):
            assert [(s.code, s.confidence) for s in whole.suggestions if s.code in codes] == \
                   [(s.code, s.confidence) for s in part.suggestions]
            assert {s.code: s.score for s in whole.scores if s.code in codes} == {s.code: s.score for s in part.scores}
    for coding in both:
        assert [s.code for s in coding.scores] == [c.name for c in FAMILIES.codes]
        assert [s.rank for s in coding.suggestions] == list(range(1, len(coding.suggestions) + 1))
    # an excerpt that carries a barrier and a condition gets both: they never compete
    pairs = [i for i, t in enumerate(truth) if t & set(BARRIERS) and t & set(CONDITIONS)]
    assert pairs
    got = sum(1 for i in pairs if {s.code for s in both[i].suggestions} >= truth[i])
    assert got / len(pairs) >= 0.5


def test_a_family_with_its_own_background_needs_its_prototypes_embedded():
    book = dataclasses.replace(FAMILIES, dimensions=(
        Dimension("barrier", "Barrier"), Dimension("condition", "Condition", "", {"en": ("we chat in a group",)})))
    protos, proto_vectors = prototypes(FAMILIES)  # the codebook's own prototypes only
    with pytest.raises(ValueError, match="condition"):
        PerDimension(mapper_class("detect.v1"), MappingConfig()).fit(book, proto_vectors, protos)
