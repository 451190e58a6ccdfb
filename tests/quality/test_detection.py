"""Detection figures (suggestions per 100, reject share) and when gold can support them."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from pipeline.codebook.yaml_codebook import parse_yaml_codebook
from pipeline.config import EmbedConfig
from pipeline.embed.factory import make_embedder
from pipeline.quality.detection import MIN_UNCODED_SHARE, detection, detection_withheld
from pipeline.quality.evaluate import evaluate_gold, prepare_gold
from pipeline.quality.report import render_html
from pipeline.quality.gold import gold_from_texts
from tests.factories import make_transcript
from tests.quality.study import CODEBOOK_YAML, gold_rows, transcripts, write_corpus, write_gold_csv

CHATTER = ["We usually have lunch at noon and then the children sleep for an hour.",
           "My cousin moved to another city last year, she phones every Sunday.",
           "The bus was late again this morning, so I walked the last part.",
           "I like to read novels in the evening when the house is quiet."]


def with_chatter(docs):
    """``docs`` with four uncoded respondent answers appended to each (speech no code applies to)."""
    out = []
    for t in docs:
        turns = [(u.speaker, u.role, u.text) for u in t.turns]
        for text in CHATTER:
            turns += [("Interviewer", "interviewer", "Is there anything else you would like to add?"),
                      ("Respondent", "respondent", text)]
        out.append(make_transcript(t.id, turns, city=t.meta.city, role=t.meta.role, lang="en"))
    return out


@pytest.fixture(scope="module")
def hashing():
    return make_embedder(EmbedConfig(runtime="hashing"))


@pytest.fixture(scope="module")
def book():
    return parse_yaml_codebook(CODEBOOK_YAML.encode(), "synthetic.yaml")


def gold_for(docs, book):
    return prepare_gold(gold_from_texts("gold", [(d, [c], t) for d, c, t in gold_rows(docs)], docs), book)


def test_detection_counts_suggested_pairs_and_those_gold_lacks():
    G = np.array([[1, 0], [0, 0], [0, 1], [0, 0]])
    P = np.array([[1, 1], [0, 1], [0, 1], [0, 0]])
    d = detection(G, P)
    assert d["suggestions"] == 4 and d["suggestions_per_100"] == 100.0
    assert d["reject_share"] == 0.5 and d["precision"] == 0.5 and d["recall"] == 1.0
    none = detection(G, np.zeros_like(P))
    assert none["suggestions_per_100"] == 0.0 and none["reject_share"] is None and none["recall"] == 0.0


@pytest.mark.parametrize("level,uncoded,withheld", [
    ("segment", 0.9, True), ("excerpt", None, True), ("excerpt", 0.0, True),
    ("excerpt", MIN_UNCODED_SHARE - 0.001, True), ("excerpt", MIN_UNCODED_SHARE, False), ("excerpt", 0.8, False)])
def test_the_rule_for_reporting_detection(level, uncoded, withheld):
    assert (detection_withheld(level, uncoded) is not None) == withheld


def test_excerpt_level_is_the_default_and_reports_detection_when_gold_has_uncoded_text(book, hashing):
    docs = with_chatter(transcripts(3))
    report = evaluate_gold(docs, gold_for(docs, book), book, mapper="prototype.v1", embedder=hashing, bootstrap=0)
    o = report.overall
    assert report.settings["level"] == "excerpt"
    assert report.settings["measured_over"] == "excerpt level, all respondent speech"
    assert o["units"] == 48 and o["units_with_gold"] == 36 and o["uncoded_share"] == 0.25
    predicted = sum(r["predicted"] for r in report.per_code)
    assert o["suggestions"] == predicted
    assert o["suggestions_per_100"] == round(100 * predicted / 48, 2)
    # rejected = suggested pairs gold lacks: per code, predicted minus true positives (precision x predicted)
    rejected = sum(r["predicted"] - round(r["precision"] * r["predicted"]) for r in report.per_code)
    assert o["reject_share"] == pytest.approx(rejected / predicted, abs=1e-4)
    assert not any("detection figures" in w for w in report.warnings)
    assert all("suggestions_per_100" in r for r in report.breakdown["document"])
    page = render_html(report)
    assert "excerpt level, all respondent speech" in page and "reject_share" in page


def test_fully_coded_gold_and_the_segment_level_withhold_detection_and_say_why(book, hashing):
    docs = transcripts(3)  # every respondent answer carries a code
    gold = gold_for(docs, book)
    for level in ("excerpt", "segment"):
        report = evaluate_gold(docs, gold, book, level=level, mapper="prototype.v1", embedder=hashing, bootstrap=0)
        o = report.overall
        assert o["suggestions_per_100"] is None and o["reject_share"] is None and o["precision"] is None
        assert o["kappa"] is not None and o["macro_f1"] is not None  # what can be reported still is
        assert all(r["reject_share"] is None for r in report.breakdown["document"])
        assert any("detection figures" in w and ("segment level" in w if level == "segment" else "uncoded" in w)
                   for w in report.warnings)
    assert report.settings["measured_over"] == "segment level, human-coded segments only"


def test_cli_eval_defaults_to_the_excerpt_level_and_names_it(tmp_path):
    docs = with_chatter(transcripts(2))
    corpus = write_corpus(tmp_path / "corpus", docs)
    (tmp_path / "codebook.yaml").write_text(CODEBOOK_YAML, encoding="utf-8")
    (tmp_path / "run.toml").write_text('[embed]\nruntime = "hashing"\n', encoding="utf-8")
    gold = write_gold_csv(tmp_path / "gold.csv", gold_rows(docs))
    done = subprocess.run([sys.executable, "-m", "qualflow_cli", "eval", str(corpus), "--gold", str(gold),
                           "--codebook", str(tmp_path / "codebook.yaml"), "--config", str(tmp_path / "run.toml"),
                           "--bootstrap", "0", "--out", str(tmp_path / "ev")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())  # rich wraps titles and headers to the terminal width
    assert "excerpt level, all respondent speech" in out and "would be rejected" in out
    data = json.loads((tmp_path / "ev" / "eval.json").read_text(encoding="utf-8"))
    assert data["settings"]["level"] == "excerpt" and data["overall"]["uncoded_share"] > 0
    assert data["overall"]["suggestions_per_100"] is not None



def test_a_document_with_no_code_counts_only_when_named_as_coded(book, hashing):
    """Exhaustive gold may leave a whole document uncoded (nothing in it applies); gold files list
    only coded passages, so the caller names the documents that were coded."""
    docs = with_chatter(transcripts(2))
    quiet = make_transcript("doc-quiet", [("Interviewer", "interviewer", "How was your week at home?"),
                                          ("Respondent", "respondent", CHATTER[0]),
                                          ("Interviewer", "interviewer", "And what about the weekend then?"),
                                          ("Respondent", "respondent", CHATTER[1])], lang="en")
    gold = gold_for(docs, book)
    common = dict(mapper="prototype.v1", embedder=hashing, bootstrap=0)
    default = evaluate_gold(docs + [quiet], gold, book, **common)
    named = evaluate_gold(docs + [quiet], gold, book, documents=[t.id for t in docs + [quiet]], **common)
    assert "doc-quiet" not in {r["value"] for r in default.breakdown["document"]}
    assert "doc-quiet" in {r["value"] for r in named.breakdown["document"]}
    assert named.overall["units"] == default.overall["units"] + 2
    assert named.overall["units_with_gold"] == default.overall["units_with_gold"]
