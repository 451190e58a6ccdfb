"""``learned.v1``: learns what the codebook cannot say, falls back to zero-shot, stays fast."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.codebook.yaml_codebook import parse_yaml_codebook
from pipeline.config import EmbedConfig, MappingConfig
from pipeline.embed.factory import make_embedder
from pipeline.mapping.learned import LabelledExcerpt, LearnedMapper, embed_codebook, embed_excerpts
from pipeline.quality.evaluate import evaluate_gold, prepare_gold
from pipeline.quality.units import segment_units
from pipeline.quality.gold import gold_from_texts
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


def test_self_training_follows_the_corpus_where_the_codebook_is_vague():
    """Two codes whose answers form two clear groups in the corpus (axis 2), while the codebook's
    wording separates them only roughly: similarity alone puts a quarter of one group on the
    wrong code; self-training on the batch learns the groups and puts most of them back."""
    from pipeline.mapping.learned import ExcerptVectors
    from pipeline.mapping.prototype import codebook_prototypes
    from pipeline.records import Code, Codebook

    book = Codebook(name="toy", version="1", sha256="0" * 64, source="toy.yaml",
                    codes=(Code("a", "A", "first", examples={"en": ("a1", "a2")}),
                           Code("b", "B", "second", examples={"en": ("b1", "b2")})))
    protos = codebook_prototypes(book)
    axis = {"a": 0, "b": 1}
    proto_vectors = np.stack([np.eye(6, dtype=np.float32)[axis[p.code]] for p in protos])
    rng = np.random.default_rng(0)
    rows, truth = [], []
    for i in range(80):
        code = "a" if i % 2 == 0 else "b"
        lean = rng.uniform(0.55, 1.0) if rng.random() > 0.25 else rng.uniform(0.35, 0.48)  # towards its own code, mostly
        v = np.zeros(6)
        v[axis[code]], v[1 - axis[code]] = lean, 1 - lean
        v[2] = 1.0 if code == "a" else -1.0
        v[3:] = rng.normal(0, 0.2, 3)
        rows.append(v / np.linalg.norm(v))
        truth.append(code)
    X = np.asarray(rows, dtype=np.float32)
    vectors = ExcerptVectors(X, np.zeros_like(X), X)

    def accuracy(self_train: bool) -> float:
        mapper = LearnedMapper(MappingConfig(), self_train=self_train).fit(book, proto_vectors, protos)
        return float(np.mean([["a", "b"][j] == t for j, t in zip(mapper.zero_shot(vectors).argmax(axis=1), truth)]))

    without, with_ = accuracy(False), accuracy(True)
    assert without <= 0.8
    assert with_ >= without + 0.1
    # too small a batch to learn from: nothing changes
    few = vectors.take(range(10))
    plain = LearnedMapper(MappingConfig(), self_train=False).fit(book, proto_vectors, protos)
    selfish = LearnedMapper(MappingConfig(), self_train=True).fit(book, proto_vectors, protos)
    assert np.allclose(plain.zero_shot(few), selfish.zero_shot(few))


def test_close_excerpts_in_other_languages_pool_their_evidence():
    """Twelve English answers and their Dutch versions (the same content axis each), of which
    one Dutch version leans to the wrong code (the model's languages are not equally close to
    an English codebook). Pooled with its close English version it gets the English code; a
    Dutch answer that says something no English answer says keeps its own scores; one
    language alone, and the order of excerpts, change nothing."""
    from pipeline.mapping.learned import ExcerptVectors
    from pipeline.mapping.prototype import codebook_prototypes
    from pipeline.records import Code, Codebook

    book = Codebook(name="toy", version="1", sha256="0" * 64, source="toy.yaml",
                    codes=(Code("a", "A", "first", examples={"en": ("a1",)}),
                           Code("b", "B", "second", examples={"en": ("b1",)})))
    protos = codebook_prototypes(book)
    dim = 2 + 13
    proto_vectors = np.stack([np.eye(dim, dtype=np.float32)[0 if p.code == "a" else 1] for p in protos])

    def answer(code_weights, content):
        v = np.zeros(dim, np.float32)
        v[:2] = code_weights
        v[2 + content] = 1.5
        return v / np.linalg.norm(v)

    truth = ["a", "b"] * 6
    english = [answer((1.0, 0.2) if t == "a" else (0.2, 1.0), i) for i, t in enumerate(truth)]
    dutch = [answer((0.35, 1.0) if i == 0 else ((1.0, 0.2) if t == "a" else (0.2, 1.0)), i)
             for i, t in enumerate(truth)]
    dutch.append(answer((0.35, 1.0), 12))  # no English counterpart
    X = np.stack(english + dutch)
    vectors = ExcerptVectors(X, np.zeros_like(X), X)
    languages = ["en"] * 12 + ["nl"] * 13

    def top(conf):
        return [book.codes[j].name for j in conf.argmax(axis=1)]

    pooled = LearnedMapper(MappingConfig(), self_train=False).fit(book, proto_vectors, protos)
    alone = LearnedMapper(MappingConfig(), self_train=False, cross_language=0.0).fit(book, proto_vectors, protos)
    before, after = alone.zero_shot(vectors, languages), pooled.zero_shot(vectors, languages)
    assert top(before)[12] == "b" and top(before)[:12] == truth  # the Dutch version on the wrong code
    assert top(after)[12:24] == truth and top(after)[:12] == truth
    assert np.allclose(after[24], before[24])  # nothing close in English: unchanged
    # one language: nothing to pool
    only_dutch = vectors.take(range(12, 25))
    assert np.allclose(pooled.zero_shot(only_dutch, ["nl"] * 13), alone.zero_shot(only_dutch, ["nl"] * 13))
    # the order of excerpts does not matter
    order = np.random.default_rng(1).permutation(25)
    shuffled = pooled.zero_shot(vectors.take(order), [languages[i] for i in order])
    assert np.allclose(shuffled, after[order])


def test_embedding_excerpts_reuses_text_vectors_the_caller_has():
    """A run's embed stage has the texts' vectors already: given them, only questions and
    question + text are embedded, and the result is the same."""
    from pipeline.embed.cache import text_hash
    from pipeline.quality.machine import MemoryCache

    docs = transcripts(1)
    units = segment_units(gold_from_texts("g", [(d, [c], t) for d, c, t in gold_rows(docs)], docs), docs)
    hashing = make_embedder(EmbedConfig(runtime="hashing"))
    full = embed_excerpts(hashing, units, MemoryCache())
    cache = MemoryCache()
    reused = embed_excerpts(hashing, units, cache, text_vectors=full.text)
    for view in ("text", "question", "with_question"):
        assert np.allclose(getattr(full, view), getattr(reused, view))
    embedded = set(cache.vectors[hashing.id])
    assert not any(text_hash(u.text) in embedded for u in units if u.question)  # texts were not embedded again
    with pytest.raises(ValueError, match="one row per excerpt"):
        embed_excerpts(hashing, units, cache, text_vectors=full.text[:-1])
