"""Decisions in the store: two coders' agreement, training examples, re-suggesting a run."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pipeline.codebook.yaml_codebook import parse_yaml_codebook
from pipeline.config import EmbedConfig, MappingConfig
from pipeline.embed.factory import make_embedder
from pipeline.mapping.learned import embed_codebook
from pipeline.mapping.resuggest import resuggest, training_examples_from_decisions
from pipeline.mapping.prototype import PrototypeMapper
from pipeline.quality.gold import decisions_gold
from pipeline.segment import segment_transcript
from pipeline.store import models as m
from pipeline.store.db import Store
from tests.factories import seed_completed_run
from tests.quality.study import ANSWERS, CODEBOOK_YAML, transcripts

RUN = "run-1"


def _code_of(text: str) -> str:
    return next(code for code, answers in ANSWERS.items() if text in answers)


@pytest.fixture()
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'q.db'}")
    book = parse_yaml_codebook(CODEBOOK_YAML.encode(), "synthetic.yaml")
    docs = transcripts(3)
    excerpts = [e for t in docs for e in segment_transcript(t)]
    hashing = make_embedder(EmbedConfig(runtime="hashing"))
    prototypes, vectors = embed_codebook(hashing, book)
    codings = PrototypeMapper(MappingConfig(threshold=0.05)).fit(book, vectors, prototypes).code(
        excerpts, hashing.embed([e.text for e in excerpts]))
    seed_completed_run(store, RUN, transcripts=docs, excerpts=excerpts, codebook=book, codings=codings,
                       config={"embed": {"runtime": "hashing"}, "mapping": {"threshold": 0.05}},
                       embedder_id=hashing.id)
    with store.transaction() as s:
        s.add_all([m.User(username="ann", role="coder"), m.User(username="bob", role="coder")])
    return store, excerpts


def _decide(store, user: str, excerpt_id: str, action: str, codes, **extra) -> int:
    with store.transaction() as s:
        uid = s.scalars(select(m.User.id).where(m.User.username == user)).one()
        row = m.Decision(run_id=RUN, excerpt_id=excerpt_id, user_id=uid, action=action, codes=list(codes), **extra)
        s.add(row)
        s.flush()
        return row.id


def test_a_coders_latest_decision_per_unit_is_their_coding(store):
    store, excerpts = store
    e = excerpts[0]
    first = _decide(store, "ann", e.id, "accept", ["tides"])
    _decide(store, "ann", e.id, "recode", ["orchard"])
    _decide(store, "ann", e.id, "undo", ["tides"], undoes=first + 1)
    _decide(store, "ann", excerpts[1].id, "reject", [])
    span = _decide(store, "ann", e.id, "code", ["forge"], start=e.start, end=e.start + 10)
    gold = decisions_gold(store, "ann")
    by_unit = {(s.unit_id, s.start, s.end): s.codes for s in gold.spans}
    assert by_unit[(e.id, e.start, e.end)] == {"tides"}
    assert by_unit[(excerpts[1].id, excerpts[1].start, excerpts[1].end)] == frozenset()
    assert by_unit[(None, e.start, e.start + 10)] == {"forge"}
    assert span and len(gold.spans) == 3


def test_training_examples_from_decisions(store):
    store, excerpts = store
    _decide(store, "ann", excerpts[0].id, "accept", ["tides"])
    _decide(store, "ann", excerpts[1].id, "recode", ["orchard"])
    examples = {ex.excerpt.id: ex for ex in training_examples_from_decisions(store)}
    assert examples[excerpts[0].id].positive == {"tides"} and examples[excerpts[0].id].negative is not None
    assert examples[excerpts[1].id].negative is None  # a recode states the full set


def test_resuggest_rescores_only_open_suggestions(store):
    store, excerpts = store
    with store.session() as s:
        rows = list(s.scalars(select(m.SuggestionRow).where(m.SuggestionRow.run_id == RUN)))
    assert rows
    decided = rows[0]
    with store.transaction() as s:
        s.get(m.SuggestionRow, decided.id).status = "accepted"
    for e in excerpts:
        if e.transcript_id != "doc-2":
            _decide(store, "ann", e.id, "recode", [_code_of(e.text)])
    before = {r.id: (r.confidence, r.reason) for r in rows}
    changed = resuggest(store, RUN)
    with store.session() as s:
        after = {r.id: (r.confidence, r.reason, r.status)
                 for r in s.scalars(select(m.SuggestionRow).where(m.SuggestionRow.run_id == RUN))}
    assert changed == sum(1 for i, (c, r, st) in after.items() if st == "suggested" and (c, r) != before[i])
    assert changed > 0
    assert after[decided.id][:2] == before[decided.id] and after[decided.id][2] == "accepted"
    assert set(after) == set(before)  # nothing added or removed
    learned = [r for i, (c, r, st) in after.items() if st == "suggested" and "learned from" in r]
    assert learned
