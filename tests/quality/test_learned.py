"""``learned.v1``: learns what the codebook cannot say, falls back to zero-shot, stays fast."""

from __future__ import annotations

import time

import numpy as np
import pytest

from pipeline.codebook.yaml_codebook import parse_yaml_codebook
from pipeline.config import EmbedConfig, MappingConfig
from pipeline.embed.factory import make_embedder
from pipeline.mapping.learned import LabelledExcerpt, LearnedMapper, embed_codebook, embed_excerpts
from pipeline.review.evaluate import evaluate_gold, prepare_gold, segment_units
from pipeline.review.gold import gold_from_texts
from tests.quality.study import CODEBOOK_YAML, gold_rows, transcripts


@pytest.fixture(scope="module")
def setup():
    docs = transcripts(3)
    book = parse_yaml_codebook(CODEBOOK_YAML.encode(), "synthetic.yaml")
    gold = prepare_gold(gold_from_texts("gold", [(d, [c], t) for d, c, t in gold_rows(docs)], docs), book)
    return docs, book, gold, make_embedder(EmbedConfig(runtime="hashing"))


def test_learning_beats_zero_shot_on_a_separable_study(setup):
    docs, book, gold, hashing = setup
    held_out = gold.only(["doc-2"])
    zero = evaluate_gold(docs, held_out, book, mapper="learned.v1", embedder=hashing, bootstrap=0)
    learned = evaluate_gold(docs, gold, book, train_gold=gold.without(["doc-2"]), embedder=hashing, bootstrap=0)
    assert learned.overall["units"] == zero.overall["units"] == 12
    assert learned.overall["top1_accuracy"] >= 0.9
    assert learned.overall["kappa"] >= zero.overall["kappa"] + 0.3


def test_codes_without_examples_stay_zero_shot(setup):
    docs, book, gold, hashing = setup
    units = segment_units(gold, docs)
    coding = {s.text: s.codes for s in gold.spans}
    examples = [LabelledExcerpt(u, coding[u.text]) for u in units if "forge" not in coding[u.text]]
    prototypes, proto_vectors = embed_codebook(hashing, book)
    vectors = embed_excerpts(hashing, [e.excerpt for e in examples])
    mapper = LearnedMapper().fit(book, proto_vectors, prototypes, examples, vectors)
    assert set(mapper.classifiers_) == {"tides", "orchard"}
    assert mapper.n_positive_["forge"] == 0
    weights = dict(zip(mapper.codes_, mapper.weights()))
    assert weights["forge"] == 0 and 0 < weights["tides"] < 1
    coded = mapper.code(units, embed_excerpts(hashing, units))
    reasons = {s.code: s.reason for c in coded for s in c.suggestions}
    assert reasons.get("forge", "zero-shot").startswith("zero-shot")
    assert "learned from" in reasons["tides"]
    assert all(len(c.scores) == 3 for c in coded)


def test_a_rejection_is_a_negative_for_that_code_only(setup):
    docs, _, gold, _ = setup
    unit = segment_units(gold, docs)[0]
    rejected = LabelledExcerpt(unit, frozenset(), frozenset({"tides"}))
    assert (rejected.label("tides"), rejected.label("orchard")) == (0, None)
    complete = LabelledExcerpt(unit, frozenset({"forge"}))
    assert (complete.label("forge"), complete.label("tides")) == (1, 0)


def test_fitting_and_coding_take_seconds(setup):
    docs, book, gold, hashing = setup
    rng = np.random.default_rng(0)
    units = segment_units(gold, docs) * 20  # 720 examples
    coding = {s.text: s.codes for s in gold.spans}
    examples = [LabelledExcerpt(u, coding[u.text]) for u in units]
    prototypes, proto_vectors = embed_codebook(hashing, book)
    base = embed_excerpts(hashing, segment_units(gold, docs))
    vectors = base.take(np.arange(len(units)) % len(base))
    noisy = type(vectors)(vectors.text + rng.normal(0, 0.02, vectors.text.shape).astype(np.float32),
                          vectors.question, vectors.with_question)
    started = time.perf_counter()
    mapper = LearnedMapper(MappingConfig()).fit(book, proto_vectors, prototypes, examples, noisy)
    mapper.code(units, noisy)
    assert time.perf_counter() - started < 20
