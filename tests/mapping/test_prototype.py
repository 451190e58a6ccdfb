"""The prototype mapper's logic on hand-made vectors (the real-model test lives in test_real_codebook)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.config import MappingConfig
from pipeline.mapping import NONE, PrototypeMapper, codebook_prototypes, map_topics
from pipeline.records import Code, Codebook, Excerpt, Topic, TopicAssignment

BOOK = Codebook(
    name="toy", version="1", sha256="0" * 64, source="toy.yaml",
    codes=(
        Code("funding", "Funding", "money from public calls", examples={"en": ("grant call", "reporting")}),
        Code("trust", "Trust", "trust in others", examples={"en": ("trust parents",)}),
        Code("trust/safety", "Safety", "children's safety", examples={"en": ("safe",)}, parent="trust"),
        Code("trust/parents", "Parents", "among parents", examples={"en": ("other parents",)}, parent="trust"),
    ),
    background_examples={"en": ("my job", "the weather")},
)
AXES = {"funding": 0, "trust": 1, "trust/safety": 2, "trust/parents": 3, NONE: 4}


def unit(*pairs):
    v = np.zeros(6, dtype=np.float32)
    for axis, weight in pairs:
        v[axis] = weight
    return v / np.linalg.norm(v)


def fitted(config=MappingConfig()):
    protos = codebook_prototypes(BOOK)
    vectors = []
    for p in protos:
        axis = AXES[p.code]
        extra = [(1, 0.8)] if p.code.startswith("trust/") else []  # sub-codes sit near their parent
        vectors.append(unit((axis, 1.0), *extra))
    return PrototypeMapper(config).fit(BOOK, np.stack(vectors), protos)


def excerpt(i):
    return Excerpt(f"e{i}", "t", 0, 1, "x", 0, "R", "en", None, None)


def test_clear_cases_get_their_code_background_gets_none_and_reasons_name_the_example():
    mapper = fitted()
    vectors = np.stack([unit((0, 1.0)), unit((4, 1.0)), unit((1, 1.0), (2, 0.9))])
    funding, background, safety = mapper.code([excerpt(0), excerpt(1), excerpt(2)], vectors)
    assert [s.code for s in funding.suggestions] == ["funding"]
    assert funding.suggestions[0].confidence > 0.9
    reason = funding.suggestions[0].reason
    assert "Funding" in reason
    assert any(p.text in reason for p in codebook_prototypes(BOOK) if p.code == "funding")
    assert background.suggestions == ()
    assert [s.code for s in safety.suggestions] == ["trust", "trust/safety"]
    assert {s.code for s in safety.scores} == {c.name for c in BOOK.codes}


def test_an_excerpt_between_two_codes_can_carry_both():
    mapper = fitted(MappingConfig(threshold=0.3, temperature=0.05))
    both = mapper.code([excerpt(0)], unit((0, 1.0), (1, 1.0))[None, :])[0]
    assert {s.code for s in both.suggestions} >= {"funding", "trust"}


def test_threshold_and_max_codes_are_respected():
    strict = fitted(MappingConfig(threshold=0.99, temperature=0.5))
    assert strict.code([excerpt(0)], unit((0, 1.0), (4, 0.9))[None, :])[0].suggestions == ()
    one = fitted(MappingConfig(threshold=0.3, temperature=0.05, max_codes=1))
    got = one.code([excerpt(0)], unit((0, 1.0), (1, 1.0))[None, :])[0]
    assert len([s for s in got.suggestions if "/" not in s.code]) == 1


def test_no_excerpts_no_codings():
    assert fitted().code([], np.zeros((0, 6), dtype=np.float32)) == []


def test_topics_map_to_categories_or_are_emergent():
    mapper = fitted()
    vectors = np.stack([unit((0, 1.0))] * 3 + [unit((4, 1.0))] * 3)
    codings = mapper.code([excerpt(i) for i in range(6)], vectors)
    topics = [Topic(0, "calls", ("call",), 3, ()), Topic(1, "weather", ("rain",), 3, ())]
    assignments = [TopicAssignment(f"e{i}", 0 if i < 3 else 1) for i in range(6)]
    t0, t1 = map_topics(topics, assignments, codings, BOOK)
    assert t0.codes == ("funding",) and not t0.emergent and t0.code_scores["funding"] == 1.0
    assert t1.codes == () and t1.emergent
