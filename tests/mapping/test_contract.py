"""Every registered mapper, through the same checks (the ``Mapper`` contract in pipeline.mapping.base)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.config import MappingConfig, load_config
from pipeline.errors import InvalidConfig, InvalidInput
from pipeline.mapping.base import Mapper, mapper_class, registered_mappers
from tests.mapping import synthetic

MAPPERS = sorted(registered_mappers())


def test_the_registry_holds_the_shipped_mappers():
    assert {"prototype.v1", "learned.v1", "detect.v1"} <= set(MAPPERS)


@pytest.mark.parametrize("name", MAPPERS)
def test_mapper_contract(name):
    cls = mapper_class(name)
    assert cls.id == name and cls.scope in ("batch", "run")
    assert isinstance(cls.reads_context, bool) and isinstance(cls.learns, bool)
    config = MappingConfig(mapper=name)
    mapper = cls(config)
    assert isinstance(mapper, Mapper)
    protos, proto_vectors = synthetic.prototypes()
    assert mapper.fit(synthetic.BOOK, proto_vectors, protos) is mapper
    excerpts, vectors, _ = synthetic.run(n=120)
    assert mapper.code([], vectors.take([])) == []
    codings = mapper.code(excerpts, vectors)
    assert [c.excerpt_id for c in codings] == [e.id for e in excerpts]
    codes = {c.name for c in synthetic.BOOK.codes}
    for coding in codings:
        scores = {s.code: s.score for s in coding.scores}
        assert set(scores) == codes
        assert all(0.0 <= v <= 1.0 for v in scores.values())
        assert len(coding.suggestions) <= config.max_codes
        assert [s.rank for s in coding.suggestions] == list(range(1, len(coding.suggestions) + 1))
        confidences = [s.confidence for s in coding.suggestions]
        assert confidences == sorted(confidences, reverse=True)
        for s in coding.suggestions:
            assert s.excerpt_id == coding.excerpt_id and s.reason
            assert s.confidence == pytest.approx(scores[s.code], abs=1e-4)
    assert all(isinstance(n, str) for n in mapper.notes())
    # the same input gives the same output
    again = cls(config).fit(synthetic.BOOK, proto_vectors, protos).code(excerpts, vectors)
    assert [c.suggestions for c in again] == [c.suggestions for c in codings]


KNOWN_SILENT = {"learned.v1"}
"""``learned.v1`` blends unweighted classifiers (a rare code's probabilities stay low) with a
fixed 0.6 threshold, so it goes silent after a few hundred decisions: the collapse issue 12
reported on real interviews (13 suggestions in all). It is kept unchanged as an option, so
old configs mean what they meant; ``detect.v1`` is its replacement."""


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(
    strict=True, reason="learned.v1 goes silent (see KNOWN_SILENT)")) if n in KNOWN_SILENT else n for n in MAPPERS])
def test_a_mapper_learns_or_says_it_cannot(name):
    cls = mapper_class(name)
    protos, proto_vectors = synthetic.prototypes()
    excerpts, vectors, truth = synthetic.run(n=300, seed=1)
    examples = synthetic.labelled(excerpts, truth, range(200))
    mapper = cls(MappingConfig(mapper=name))
    if not cls.learns:
        with pytest.raises(InvalidInput):
            mapper.fit(synthetic.BOOK, proto_vectors, protos, examples, vectors.take(range(200)))
        return
    mapper.fit(synthetic.BOOK, proto_vectors, protos, examples, vectors.take(range(200)))
    held_out = list(range(200, 300))
    codings = mapper.code([excerpts[i] for i in held_out], vectors.take(held_out))
    precision, recall, shown = synthetic.precision_recall(codings, [truth[i] for i in held_out])
    assert shown > 0, "a mapper that learned from 200 decisions must not go silent"
    assert precision >= 0.7 and recall >= 0.5


def test_a_config_names_a_registered_mapper(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('[mapping]\nmapper = "learned.v9"\n', encoding="utf-8")
    with pytest.raises(InvalidConfig) as err:
        load_config(path)
    assert err.value.field == "mapping.mapper"
    assert str(err.value).startswith(f"{path}: [mapping] mapper: ") and "detect.v1" in str(err.value)


def test_mapper_settings_are_typed():
    with pytest.raises(Exception):
        MappingConfig(mapper="detect.v1", min_precision=1.5)
    with pytest.raises(Exception):
        MappingConfig(mapper="detect.v1", options={"C": 3})
    assert np.isclose(MappingConfig(min_precision=0.8).min_precision, 0.8)
