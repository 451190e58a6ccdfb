"""``evaluate`` and ``qualflow eval`` on a small synthetic coded study (hashing embedder: fast, no meaning)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.config import MappingConfig

from pipeline.codebook.yaml_codebook import parse_yaml_codebook
from pipeline.config import EmbedConfig
from pipeline.embed.factory import make_embedder
from pipeline.errors import InvalidInput
from pipeline.quality.evaluate import evaluate, evaluate_gold, leave_one_document_out, prepare_gold
from pipeline.quality.report import write_report
from pipeline.quality.gold import gold_from_texts
from tests.quality.study import CODEBOOK_YAML, gold_rows, transcripts, write_corpus, write_gold_csv

HEADLINE = ("kappa", "alpha", "alpha_ci", "macro_f1", "top1_accuracy", "top3_recall", "ece")


@pytest.fixture(scope="module")
def hashing():
    return make_embedder(EmbedConfig(runtime="hashing"))


@pytest.fixture(scope="module")
def study():
    docs = transcripts(3)
    book = parse_yaml_codebook(CODEBOOK_YAML.encode(), "synthetic.yaml")
    gold = prepare_gold(gold_from_texts("gold", [(d, [c], t) for d, c, t in gold_rows(docs)], docs), book)
    return docs, book, gold


@pytest.fixture()
def files(tmp_path):
    docs = transcripts(3)
    corpus = write_corpus(tmp_path / "corpus", docs)
    (tmp_path / "codebook.yaml").write_text(CODEBOOK_YAML, encoding="utf-8")
    (tmp_path / "run.toml").write_text('[embed]\nruntime = "hashing"\n', encoding="utf-8")
    return tmp_path, corpus, docs


def test_report_has_every_figure_per_code_and_breakdowns(study, hashing):
    docs, book, gold = study
    report = evaluate_gold(docs, gold, book, embedder=hashing, mapper="prototype.v1", bootstrap=50)
    assert all(k in report.overall for k in HEADLINE)
    assert report.overall["units"] == 36 and report.overall["units_with_gold"] == 36
    assert [r["code"] for r in report.per_code] == ["tides", "orchard", "forge"]
    assert sum(r["support"] for r in report.per_code) == 36
    assert [r["value"] for r in report.breakdown["document"]] == ["doc-0", "doc-1", "doc-2"]
    assert {r["value"] for r in report.breakdown["city"]} == {"Bologna", "Budapest", "Kortrijk"}
    assert [r["value"] for r in report.breakdown["language"]] == ["en"]
    assert len(report.calibration["bins"]) == 10


def test_excerpt_level_uses_our_excerpts_and_counts_uncoded_ones(study, hashing):
    docs, book, gold = study
    report = evaluate_gold(docs, gold.without(["doc-2"]), book, level="excerpt", embedder=hashing, bootstrap=0)
    assert report.settings["level"] == "excerpt"
    assert {r["value"] for r in report.breakdown["document"]} == {"doc-0", "doc-1"}
    assert report.overall["units"] >= 24


def test_learn_from_trains_on_its_documents_and_evaluates_the_others(study, hashing):
    docs, book, gold = study
    report = evaluate_gold(docs, gold, book, train_gold=gold.only(["doc-0", "doc-1"]), embedder=hashing, bootstrap=0)
    assert report.settings["mapper"] == MappingConfig().mapper  # the config's mapper, which learns
    assert report.training["documents"] == ["doc-0", "doc-1"] and report.training["examples"] == 24
    assert report.gold["located"] == 36 and report.gold["spans_evaluated"] == 12
    assert report.gold["excluded_documents"] == ["doc-0", "doc-1"]
    assert [r["value"] for r in report.breakdown["document"]] == ["doc-2"]
    with pytest.raises(InvalidInput, match="nothing is left to evaluate"):
        evaluate_gold(docs, gold, book, train_gold=gold, embedder=hashing, bootstrap=0)


def test_leave_one_document_out_never_trains_on_the_held_out_document(study, hashing, monkeypatch):
    import pipeline.quality.evaluate as ev

    docs, book, gold = study
    seen = []
    real = ev.predict

    def spy(units, codebook, embedder, **kw):
        seen.append(({u.transcript_id for u in units}, {u.transcript_id for u, _ in kw["train"]}))
        return real(units, codebook, embedder, **kw)

    monkeypatch.setattr(ev, "predict", spy)
    report = leave_one_document_out(docs, gold, book, embedder=hashing, bootstrap=0)
    assert len(seen) == 3
    for tested, trained in seen:
        assert len(tested) == 1 and not tested & trained and len(trained) == 2
    assert report.overall["units"] == 36
    assert [f["held_out"] for f in report.training["folds"]] == ["doc-0", "doc-1", "doc-2"]


def test_evaluate_from_files_writes_json_and_escaped_html(files, hashing):
    tmp_path, corpus, docs = files
    rows = gold_rows(docs) + [("doc-0.txt", "tides", "<script>alert(1)</script> never said")]
    gold = write_gold_csv(tmp_path / "gold.csv", rows)
    report = evaluate(corpus, gold, tmp_path / "codebook.yaml", config=tmp_path / "run.toml", bootstrap=20)
    assert report.gold["located"] == 36 and len(report.gold["unlocated"]) == 1
    assert any("could not be located" in w for w in report.warnings)
    paths = write_report(report, tmp_path / "out")
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert all(k in data["overall"] for k in HEADLINE)
    page = paths["html"].read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_unknown_codes_error_or_warn_from_files(files, hashing):
    tmp_path, corpus, docs = files
    rows = gold_rows(docs) + [("doc-1.txt", "weather", docs[1].turns[1].text)]
    gold = write_gold_csv(tmp_path / "gold.csv", rows)
    with pytest.raises(InvalidInput, match="'weather' \\(1\\)"):
        evaluate(corpus, gold, tmp_path / "codebook.yaml", config=tmp_path / "run.toml", bootstrap=0)
    report = evaluate(corpus, gold, tmp_path / "codebook.yaml", config=tmp_path / "run.toml", bootstrap=0,
                      on_unknown="warn")
    assert any("'weather'" in w for w in report.warnings)


def test_cli_eval_writes_outputs_and_user_errors_exit_2(files):
    tmp_path, corpus, docs = files
    gold = write_gold_csv(tmp_path / "gold.csv", gold_rows(docs))
    learn = write_gold_csv(tmp_path / "learn.csv", [r for r in gold_rows(docs) if r[0] == "doc-0.txt"])
    base = [sys.executable, "-m", "qualflow_cli", "eval", str(corpus), "--codebook", str(tmp_path / "codebook.yaml"),
            "--config", str(tmp_path / "run.toml"), "--bootstrap", "20"]
    done = subprocess.run(base + ["--gold", str(gold), "--learn-from", str(learn), "--out", str(tmp_path / "ev")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{MappingConfig().mapper} vs human codes" in done.stdout and "kappa" in done.stdout
    data = json.loads((tmp_path / "ev" / "eval.json").read_text(encoding="utf-8"))
    assert data["training"]["documents"] == ["doc-0"]
    assert {r["value"] for r in data["breakdown"]["document"]} == {"doc-1", "doc-2"}

    empty = tmp_path / "empty.csv"
    empty.write_text("document,tag,content\n", encoding="utf-8")
    failed = subprocess.run(base + ["--gold", str(empty)], capture_output=True, text=True, timeout=300)
    assert failed.returncode == 2 and "no coded segments" in failed.stderr
