"""``detect.v1``: detects each code against the run's background, abstains where there is none,
learns per-code thresholds from decisions and keeps a precision promise."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.config import MappingConfig
from pipeline.mapping.background import excess_probability
from pipeline.mapping.detect import DetectMapper
from pipeline.mapping.lexicon import CodeTerms, stem, words
from pipeline.mapping.thresholds import best_f1_threshold, precision_lower_bound, precision_threshold
from pipeline.records import Code, Codebook
from tests.mapping import synthetic


def fitted(config=MappingConfig(), examples=(), vectors=None, **kw):
    protos, proto_vectors = synthetic.prototypes()
    return DetectMapper(config, **kw).fit(synthetic.BOOK, proto_vectors, protos, examples, vectors)


def test_a_run_with_code_talk_gets_it_and_a_run_without_gets_almost_nothing():
    """The codebook has no background examples and no examples at all: bare definitions."""
    assert not synthetic.BOOK.background_examples
    excerpts, vectors, truth = synthetic.run(n=400, share=0.15, seed=3)
    precision, recall, shown = synthetic.precision_recall(fitted().code(excerpts, vectors), truth)
    assert precision >= 0.8 and recall >= 0.5
    quiet, quiet_vectors, _ = synthetic.run(n=400, share=0.0, seed=4)
    coded = fitted().code(quiet, quiet_vectors)
    flagged = sum(1 for c in coded if c.suggestions)
    assert flagged <= 0.03 * len(quiet), f"{flagged} of {len(quiet)} excerpts without any code talk were coded"


def test_zero_shot_probabilities_are_calibrated_on_a_known_mixture():
    excerpts, vectors, truth = synthetic.run(n=1000, share=0.15, seed=5, strength=0.35)
    p = fitted(self_train=False).confidences(excerpts, vectors)
    y = np.array([[c in t for c in synthetic.CODES] for t in truth], dtype=float)
    high = p >= 0.8
    assert high.sum() >= 20 and y[high].mean() >= 0.7
    low = p < 0.2
    assert y[low].mean() <= 0.1


def test_excess_probability_is_zero_without_a_tail_and_high_in_one():
    rng = np.random.default_rng(0)
    background = rng.normal(0, 1, 2000)
    assert (excess_probability(background) >= 0.5).mean() < 0.01
    with_tail = np.concatenate([background, rng.normal(5, 0.5, 200)])
    p = excess_probability(with_tail)
    assert (p[-200:] >= 0.5).mean() > 0.9 and (p[:2000] >= 0.5).mean() < 0.02
    order = np.argsort(with_tail)
    assert np.all(np.diff(p[order]) >= 0)  # never decreases with the score
    assert not excess_probability(np.ones(100)).any() and not excess_probability(with_tail[:10]).any()


def test_small_runs_of_background_alone_are_rarely_called_excess():
    """The background density is smoothed as the run's density is: otherwise, in runs of 200
    scores with no tail at all, 1.25% of scores reach 0.5 (0.58% with both smoothed)."""
    rng = np.random.default_rng(0)
    flagged = [(excess_probability(rng.standard_normal(200)) >= 0.5).mean() for _ in range(300)]
    assert np.mean(flagged) < 0.008
    found = []
    for _ in range(50):  # a real tail is still found: 20 of 200 shifted by 3 spreads
        x = rng.standard_normal(200)
        x[:20] += 3
        found.append((excess_probability(x)[:20] >= 0.5).mean())
    assert np.mean(found) > 0.5


def test_learning_sets_a_threshold_per_code_and_never_goes_silent():
    excerpts, vectors, truth = synthetic.run(n=600, share=0.1, seed=6)
    train = range(300)
    mapper = fitted(examples=synthetic.labelled(excerpts, truth, train), vectors=vectors.take(list(train)))
    assert set(mapper.learned_) == set(synthetic.CODES)
    thresholds = {c: mapper.threshold(c) for c in synthetic.CODES}
    assert all(0 < t < 1 for t in thresholds.values()) and len(set(thresholds.values())) > 1
    rest = list(range(300, 600))
    coded = mapper.code([excerpts[i] for i in rest], vectors.take(rest))
    precision, recall, shown = synthetic.precision_recall(coded, [truth[i] for i in rest])
    assert shown > 0.5 * sum(len(truth[i]) for i in rest) and precision >= 0.8 and recall >= 0.7
    reasons = {s.reason for c in coded for s in c.suggestions}
    assert all("learned from" in r and "cross-validation" in r for r in reasons)


def test_a_code_with_few_decisions_stays_zero_shot():
    excerpts, vectors, truth = synthetic.run(n=400, share=0.15, seed=7)
    rows = [i for i in range(400) if "funding" not in truth[i]][:150]
    rows += [i for i in range(400) if "funding" in truth[i]][:2]
    mapper = fitted(examples=synthetic.labelled(excerpts, truth, rows), vectors=vectors.take(rows))
    assert "funding" not in mapper.learned_ and mapper.n_decisions_["funding"][0] == 2
    coded = mapper.code(excerpts, vectors)
    funding = [s.reason for c in coded for s in c.suggestions if s.code == "funding"]
    assert funding and all(r.startswith("zero-shot") for r in funding)


def test_min_precision_promises_where_decisions_allow_and_abstains_where_not():
    excerpts, vectors, truth = synthetic.run(n=800, share=0.15, seed=8)
    rows = list(range(500))
    # trust has only a few decisions: no promise can be made for it
    rows = [i for i in rows if "trust" not in truth[i]] + [i for i in rows if "trust" in truth[i]][:6]
    config = MappingConfig(min_precision=0.8, confidence_level=0.9)
    mapper = fitted(config, examples=synthetic.labelled(excerpts, truth, rows), vectors=vectors.take(rows))
    assert mapper.threshold("trust") is None
    notes = mapper.notes()
    assert any(n.startswith("Trust: not enough decisions yet to promise 80% precision") for n in notes)
    assert mapper.threshold("funding") is not None and mapper.threshold("regulation") is not None
    rest = list(range(500, 800))
    coded = mapper.code([excerpts[i] for i in rest], vectors.take(rest))
    assert not any(s.code == "trust" for c in coded for s in c.suggestions)
    precision, _, shown = synthetic.precision_recall(coded, [truth[i] for i in rest])
    assert shown > 0 and precision >= 0.8


def test_threshold_helpers_against_hand_counts():
    # 8 of 10 accepted: the 90% Clopper-Pearson lower bound is 0.5504 (beta.ppf(0.1, 8, 3))
    assert precision_lower_bound(8, 10, 0.9) == pytest.approx(0.5504, abs=1e-3)
    assert precision_lower_bound(0, 10, 0.9) == 0.0
    p = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.4, 0.3])
    y = np.array([1, 1, 1, 1, 1, 0, 1, 0])
    assert best_f1_threshold(p, y) == pytest.approx(0.4)
    # the top five are all accepted: bound 0.631 at 90%; adding the sixth (5/6) gives 0.51
    assert precision_threshold(p, y, 0.6, 0.9) == pytest.approx(0.7)
    assert precision_threshold(p, y, 0.95, 0.9) is None


def test_codebook_words_by_language_and_their_rarity():
    book = Codebook(name="b", version="1", sha256="0" * 64, source="b.csv", codes=(
        Code("funding", "Funding calls", "grants and loans from agencies (USDA). NOT household bills",
             examples={"it": ("i bandi regionali",)}),
        Code("rules", "Regulation", "permits and certification"),
    ))
    terms = CodeTerms(book)
    assert stem("Certifications") == stem("certification") and stem("bandi") == stem("bando")
    assert "usda" in words("The USDA said") and stem("household") not in terms.for_language("funding", "en")
    assert stem("bandi") in terms.for_language("funding", "it") and stem("bandi") not in terms.for_language("funding", "en")
    texts = ["We applied for grants twice.", "The permit took a year.", "I bandi sono difficili.",
             "Grants, grants everywhere.", "Nothing here."]
    scores, matched = terms.evidence(texts, ["en", "en", "it", "en", "en"])
    assert scores[0, 0] > 0 and scores[0, 1] == 0 and matched[0][0] == ("grants",)
    assert scores[1, 1] > 0 and scores[2, 0] > 0 and not scores[4].any()
    # a rarer word weighs more: "permit" (1 of 5) against "grants" (2 of 5)
    assert scores[1, 1] > scores[0, 0]


def test_decisions_from_the_queue_alone_do_not_silence_what_the_detector_finds():
    """A queue shows likely excerpts, so decisions over-represent them and a classifier learned
    from them alone can grow cautious on the rest (issue 12's simulated review: 2.7
    suggestions per 100 after 400 decisions). Where the zero-shot detector is sure, its
    detection still reaches the learned threshold (``keep_zero_shot``)."""
    excerpts, vectors, truth = synthetic.run(n=600, share=0.15, seed=9)
    queue = list(range(0, 600, 3))  # a selection from every interview: two excerpts in three undecided

    class Cautious:  # a learned model that has grown cautious: it says no to everything
        def decision_function(self, features):
            return np.full(len(features), -20.0)

    def funding_suggested(rows, **kw) -> int:
        mapper = fitted(examples=synthetic.labelled(excerpts, truth, rows), vectors=vectors.take(rows), **kw)
        mapper.learned_["funding"]["model"] = Cautious()
        coded = mapper.code(excerpts, vectors)
        return sum(1 for c in coded for s in c.suggestions if s.code == "funding")

    detected = sum(1 for c in fitted().code(excerpts, vectors) for s in c.suggestions if s.code == "funding")
    assert detected >= 20
    assert funding_suggested(queue, keep_zero_shot=False) == 0
    assert funding_suggested(queue) >= 0.9 * detected
    # whole interviews coded through (gold, an import) are a fair sample: the learned model alone decides
    assert funding_suggested(list(range(300))) == 0


def test_function_words_carry_no_evidence_in_any_language():
    """ParlaTO PTD001 had barriers suggested on the strength of "come", "cosa", "sono",
    "quindi" from the codebook's Italian examples; function words are no evidence."""
    book = Codebook(name="b", version="1", sha256="0" * 64, source="b.csv", codes=(
        Code("trust", "Trust", "whether parents can rely on each other and on what they are told",
             examples={"it": ("non so come fidarmi, perché sono cose delicate",)}),
    ))
    terms = CodeTerms(book)
    assert terms.definitions_language == "en"
    assert stem("fidarmi") in terms.for_language("trust", "it")
    for function_word in ("come", "perché", "sono", "whether", "they", "each"):
        assert stem(function_word) not in terms.for_language("trust", "it"), function_word
    texts = ["Come sono andate, quindi?", "Non riesco a fidarmi della scuola.", "Niente.", "Boh."] * 6
    scores, matched = terms.evidence(texts, ["it"] * len(texts))
    assert not scores[0].any() and matched[0][0] == ()
    assert scores[1, 0] > 0 and matched[1][0] == ("fidarmi",)


def test_stop_words_are_read_without_importing_spacy():
    """A run served from the store never imports spaCy (and with it torch); the lexicon must not either."""
    import subprocess
    import sys

    code = ("import sys; from pipeline.mapping.lexicon import stop_stems, stem; "
            "assert stem('quindi') in stop_stems('it') and stem('which') in stop_stems('en'); "
            "assert stop_stems('xx') == frozenset() and stop_stems('../en') == frozenset(); "
            "print('spacy' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_decisions_from_the_queue_do_not_flood_it_either():
    """A classifier learned from a queue's decisions meets the rest of the run as unfamiliar
    text and can say yes to much of it (issue 12's simulated review: 131 suggestions per 100
    excerpts after 100 decisions). With decisions from a queue, a learned code is suggested
    on no more excerpts than the run's zero-shot probabilities add up to (``cap_learned``)."""
    excerpts, vectors, truth = synthetic.run(n=600, share=0.15, seed=9)
    queue = list(range(0, 600, 3))

    class Eager:  # a learned model that says yes to everything
        def decision_function(self, features):
            return np.full(len(features), 20.0)

    def funding_suggested(rows, **kw) -> tuple[int, int]:
        mapper = fitted(examples=synthetic.labelled(excerpts, truth, rows), vectors=vectors.take(rows), **kw)
        assert mapper.codes_[0] == "funding"
        expected = int(np.ceil(mapper.zero_shot(excerpts, vectors)[0][:, 0].sum()))
        mapper.learned_["funding"]["model"] = Eager()
        coded = mapper.code(excerpts, vectors)
        return sum(1 for c in coded for s in c.suggestions if s.code == "funding"), expected

    assert funding_suggested(queue, cap_learned=False)[0] == 600
    suggested, expected = funding_suggested(queue)
    assert 20 <= expected <= 300 and suggested == expected
    # whole interviews coded through are a fair sample: no cap
    assert funding_suggested(list(range(300)))[0] == 600


def test_the_codebook_words_weigh_the_same_whatever_the_hash_seed():
    """A set's order follows Python's hash seed, and a float sum follows its order: summed
    unsorted, the same run coded differently, in the last bits, from process to process."""
    import os
    import subprocess
    import sys

    code = r'''
import hashlib
from pipeline.mapping.lexicon import CodeTerms
from pipeline.records import Code, Codebook
book = Codebook(name="b", version="1", sha256="0" * 64, source="b.csv", codes=(
    Code("funding", "Funding calls", "grants loans agencies deadlines budgets subsidies vouchers reporting audits"),))
words = "grants loans agencies deadlines budgets subsidies vouchers reporting audits".split()
texts = [" ".join(words[: 3 + i % 7]) + " and " + " ".join(words[i % 9 :: 2]) for i in range(60)]
scores, _ = CodeTerms(book).evidence(texts, ["en"] * len(texts))
print(hashlib.sha256(scores.tobytes()).hexdigest())
'''
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
               for seed in range(6)}
    assert len(digests) == 1
