"""The simulated review: queue order, browsing, relearning, the curve and the reliability of decisions."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from pipeline.quality import machine
from pipeline.codebook.yaml_codebook import parse_yaml_codebook
from pipeline.config import EmbedConfig
from pipeline.mapping.base import LEARNING_DEFAULT
from pipeline.embed.factory import make_embedder
from pipeline.errors import InvalidInput
from pipeline.quality.machine import Predictions
from pipeline.quality.units import gold_coding, units_for
from pipeline.quality.simulate import _queue, parse_checkpoints, simulate_review
from tests.quality.study import CODEBOOK_YAML, gold_rows, transcripts, write_corpus, write_gold_csv
from tests.quality.test_detection import gold_for, with_chatter


@pytest.fixture(scope="module")
def hashing():
    return make_embedder(EmbedConfig(runtime="hashing"))


@pytest.fixture(scope="module")
def study():
    book = parse_yaml_codebook(CODEBOOK_YAML.encode(), "synthetic.yaml")
    docs = with_chatter(transcripts(3))
    gold = gold_for(docs, book)
    units = units_for("excerpt", gold, docs)
    coding, _ = gold_coding(units, gold)
    return docs, book, gold, units, coding


def fake_predict(confidence_of, threshold=0.5, calls=None):
    """A stand-in mapper: ``confidence_of(unit, code, train)`` -> confidence; suggests what reaches ``threshold``."""
    def predict(units, codebook, embedder, *, mapper, train=(), config=None, cache=None, **kw):
        codes = tuple(c.name for c in codebook.codes)
        trained = {u.id: c for u, c in train}
        if calls is not None:
            calls.append(([u.id for u in units], dict(trained), mapper))
        conf = np.array([[confidence_of(u, c, trained) for c in codes] for u in units]).reshape(len(units), len(codes))
        suggested = {u.id: frozenset(c for j, c in enumerate(codes) if conf[i, j] >= threshold)
                     for i, u in enumerate(units)}
        return Predictions(tuple(u.id for u in units), codes, conf, suggested)
    return predict


def test_the_queue_follows_the_app_order_round_robin_over_codes_most_uncertain_first():
    p = Predictions(("e1", "e2", "e3", "e4"), ("a", "b"),
                    np.array([[0.9, 0.55], [0.6, 0.0], [0.52, 0.95], [0.7, 0.8]]),
                    {"e1": frozenset({"a", "b"}), "e2": frozenset({"a"}), "e3": frozenset({"a", "b"}),
                     "e4": frozenset({"a", "b"})})
    # a: e3 .52, e2 .6, e4 .7, e1 .9; b: e1 .55, e4 .8, e3 .95; a starts (its most uncertain is closer to .5)
    assert [(e, c) for e, c, _ in _queue(p, set())] == [
        ("e3", "a"), ("e1", "b"), ("e2", "a"), ("e4", "b"), ("e4", "a"), ("e3", "b"), ("e1", "a")]
    assert [(e, c) for e, c, _ in _queue(p, {"e3"})][:2] == [("e1", "b"), ("e2", "a")]


def test_the_coder_settles_excerpts_in_queue_order_and_the_model_relearns_on_decisions(study, hashing, monkeypatch):
    docs, book, gold, units, coding = study
    calls = []
    # suggests every gold code at 0.6 and, on uncoded chatter, "forge" at 0.55 (wrong: rejected)
    conf = lambda u, c, t: 0.6 if c in coding[u.id] else (0.55 if c == "forge" and not coding[u.id] else 0.1)  # noqa: E731
    monkeypatch.setattr(machine, "predict", fake_predict(conf, calls=calls))
    sim = simulate_review(docs, gold, book, checkpoints=[10, 20], relearn_every=5, embedder=hashing, spot_checks=0)
    assert [p["decisions"] for p in sim.points] == [0, 10, 20]
    assert len(calls) == 1 + 4 and all(mapper == LEARNING_DEFAULT for *_, mapper in calls)
    reviewed_so_far: dict = {}
    for k, (predicted_on, trained, _) in enumerate(calls[1:], start=1):
        # each relearn trains on exactly the decisions so far, each with its complete gold code set ...
        assert len(trained) == 5 * k and all(trained[u] == coding[u] for u in trained)
        assert set(reviewed_so_far) <= set(trained)
        reviewed_so_far = trained
        # ... and codes only the excerpts not yet reviewed
        assert not set(predicted_on) & set(trained) and len(predicted_on) == len(units) - 5 * k
    # the first five decisions are the first five distinct excerpts of the initial queue
    initial = fake_predict(conf)(units, book, hashing, mapper="learned.v1")
    first = list(dict.fromkeys(e for e, _, _ in _queue(initial, set())))[:5]
    assert set(calls[1][1]) == set(first)
    last = sim.points[-1]
    assert last["from_queue"] == 20 and last["from_browsing"] == 0 and last["relearned"] == 4
    # every settled suggestion is in the reliability table; accepted = gold has the code
    uncoded_reviewed = sum(1 for u in calls[-1][1] if not coding[u])
    assert last["reviewed_suggestions"] == sum(len(coding[u]) or 1 for u in calls[-1][1])
    assert last["accepted_share"] == pytest.approx(1 - uncoded_reviewed / last["reviewed_suggestions"], abs=1e-4)
    rel = {b["bin"]: b for b in sim.reliability["bins"]}
    assert rel["0.6-0.7"]["observed"] == 1.0 and rel["0.5-0.6"]["observed"] == 0.0
    assert sim.reliability["count"] == last["reviewed_suggestions"] and sim.reliability["ece"] is not None
    # figures on the excerpts left: this mapper's precision is 36 true codes among its suggestions there
    assert last["excerpts_left"] == len(units) - 20 and last["recall"] == 1.0 and 0 < last["precision"] < 1


def test_when_the_queue_runs_dry_the_coder_browses_by_highest_confidence(study, hashing, monkeypatch):
    docs, book, gold, units, coding = study
    rank = {u.id: i for i, u in enumerate(units)}
    calls = []
    # nothing reaches the threshold: no card at all; the last excerpts of the corpus look most likely
    conf = lambda u, c, t: 0.01 * rank[u.id] / len(units)  # noqa: E731
    monkeypatch.setattr(machine, "predict", fake_predict(conf, calls=calls))
    sim = simulate_review(docs, gold, book, checkpoints="6", relearn_every=6, embedder=hashing, spot_checks=0)
    assert sim.points[-1]["from_browsing"] == 6 and sim.points[-1]["from_queue"] == 0
    assert set(calls[1][1]) == {u.id for u in units[-6:]}
    assert sim.points[-1]["reviewed_suggestions"] == 0 and sim.points[-1]["accepted_share"] is None


def test_more_decisions_than_excerpts_stops_at_the_end_and_says_so(study, hashing, monkeypatch):
    docs, book, gold, units, coding = study
    monkeypatch.setattr(machine, "predict", fake_predict(lambda u, c, t: 0.7 if c in coding[u.id] else 0.2))
    sim = simulate_review(docs, gold, book, checkpoints=[5, 10_000], relearn_every=25, embedder=hashing)
    assert [p["decisions"] for p in sim.points] == [0, 5, len(units)]
    assert sim.points[-1]["excerpts_left"] == 0 and sim.points[-1]["macro_f1"] is None
    assert any("10000 decisions" in w and f"only {len(units)} excerpts" in w for w in sim.warnings)


def test_learning_from_decisions_improves_the_suggestions_on_the_synthetic_study(study, hashing):
    """The study's codes are invisible to a zero-shot model and plain to a learner."""
    docs, book, gold, units, coding = study
    sim = simulate_review(docs, gold, book, checkpoints=[24], relearn_every=12, embedder=hashing)
    start, end = sim.points[0], sim.points[-1]
    print(sim.points)
    assert end["decisions"] == 24 and end["from_queue"] + end["from_browsing"] + end["spot_checks"] == 24
    assert end["macro_f1"] > start["macro_f1"]


def test_spot_checks_bring_excerpts_with_no_suggestion_in_the_fixed_order(study, hashing, monkeypatch):
    """Every 4th decision (share 0.25) is the next unsuggested excerpt in spot-check order:
    text the coder sees and leaves uncoded, which the queue alone never shows."""
    from pipeline.quality.priority import spot_check_order

    docs, book, gold, units, coding = study
    calls = []
    conf = lambda u, c, t: 0.6 if c in coding[u.id] else 0.1  # noqa: E731  (only coded excerpts are suggested)
    monkeypatch.setattr(machine, "predict", fake_predict(conf, calls=calls))
    sim = simulate_review(docs, gold, book, checkpoints=[8], relearn_every=8, embedder=hashing, spot_checks=0.25,
                          spot_check_salt="s")
    end = sim.points[-1]
    assert end["spot_checks"] == 2 and end["from_queue"] == 6 and sim.settings["spot_checks"] == 0.25
    trained = calls[1][1]
    quiet = [u for u in spot_check_order([u.id for u in units], "s") if not coding[u]]
    # the two spot checks are the first two uncoded excerpts in the salted order, decided "none"
    assert set(quiet[:2]) <= set(trained) and all(trained[u] == frozenset() for u in quiet[:2])
    assert sum(1 for u in trained if not coding[u]) == 2
    other = simulate_review(docs, gold, book, checkpoints=[8], relearn_every=8, embedder=hashing, spot_checks=0.25,
                            spot_check_salt="t")
    assert other.points[-1]["spot_checks"] == 2
    with pytest.raises(ValueError, match="between 0 and 1"):
        simulate_review(docs, gold, book, checkpoints=[8], embedder=hashing, spot_checks=2)


def test_spot_check_positions_and_order():
    from pipeline.quality.priority import is_spot_check, spot_check_order

    assert [p for p in range(30) if is_spot_check(p, 0.1)] == [9, 19, 29]
    assert not any(is_spot_check(p, 0) for p in range(50))
    ids = [f"e{i}" for i in range(50)]
    first, again, other = spot_check_order(ids, "run1"), spot_check_order(list(reversed(ids)), "run1"), \
        spot_check_order(ids, "run2")
    assert first == again and sorted(first) == sorted(ids) and first != other and first != ids


@pytest.mark.parametrize("text,match", [("100,abc", "'abc' is not a number"), ("0", "positive"), ("", "not a number"),
                                        ("-5", "positive")])
def test_bad_checkpoints_name_the_option(text, match):
    with pytest.raises(InvalidInput, match=match) as e:
        parse_checkpoints(text)
    assert "--simulate-review" in str(e.value)


def test_bad_relearn_every_and_a_mapper_that_does_not_learn(study, hashing, monkeypatch):
    docs, book, gold, *_ = study
    with pytest.raises(InvalidInput, match="--relearn-every"):
        simulate_review(docs, gold, book, checkpoints=[5], relearn_every=0, embedder=hashing)
    calls = []
    monkeypatch.setattr(machine, "predict", fake_predict(lambda u, c, t: 0.2, calls=calls))
    sim = simulate_review(docs, gold, book, checkpoints=[3], relearn_every=3, mapper="prototype.v1", embedder=hashing)
    assert sim.settings["mapper"] == LEARNING_DEFAULT and {m for *_, m in calls} == {LEARNING_DEFAULT}


def test_cli_simulate_review_writes_the_curve_to_json_and_html(tmp_path):
    docs = with_chatter(transcripts(2))
    corpus = write_corpus(tmp_path / "corpus", docs)
    (tmp_path / "codebook.yaml").write_text(CODEBOOK_YAML, encoding="utf-8")
    (tmp_path / "run.toml").write_text('[embed]\nruntime = "hashing"\n', encoding="utf-8")
    gold = write_gold_csv(tmp_path / "gold.csv", gold_rows(docs))
    base = [sys.executable, "-m", "qualflow_cli", "eval", str(corpus), "--gold", str(gold), "--codebook",
            str(tmp_path / "codebook.yaml"), "--config", str(tmp_path / "run.toml"), "--bootstrap", "0"]
    done = subprocess.run(base + ["--simulate-review", "8,500", "--relearn-every", "8", "--out", str(tmp_path / "ev")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "ev" / "eval.json").read_text(encoding="utf-8"))
    points = data["simulation"]
    assert [p["decisions"] for p in points] == [0, 8, 16]
    assert {"decisions", "macro_f1", "precision", "recall", "suggestions_per_100", "from_queue",
            "accepted_share"} <= set(points[1])
    assert data["simulation_review"]["settings"]["relearn_every"] == 8
    assert any("only 16 excerpts" in w for w in data["warnings"])
    page = (tmp_path / "ev" / "eval.html").read_text(encoding="utf-8")
    assert "<svg" in page and "<script" not in page and "polyline" in page
    failed = subprocess.run(base + ["--simulate-review", "ten"], capture_output=True, text=True, timeout=300)
    assert failed.returncode == 2 and "--simulate-review" in failed.stderr
