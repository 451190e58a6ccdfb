"""Evaluating a codebook with code families against gold that codes only some of them."""

from __future__ import annotations

import pytest

from pipeline.codebook.yaml_codebook import parse_yaml_codebook
from pipeline.config import EmbedConfig
from pipeline.embed.factory import make_embedder
from pipeline.quality.evaluate import evaluate_gold, prepare_gold
from pipeline.quality.units import scored_codebook
from pipeline.quality.gold import gold_from_texts
from tests.quality.study import CODEBOOK_YAML, gold_rows, transcripts

FAMILIES_YAML = CODEBOOK_YAML.replace("codes:\n", """\
dimensions:
  - name: barrier
  - name: condition
codes:
  - name: weather
    dimension: condition
    label: Category four
    description: The weather of the day.
""").replace("description: The first", "dimension: barrier\n    description: The first").replace(
    "description: The second", "dimension: barrier\n    description: The second").replace(
    "description: The third", "dimension: barrier\n    description: The third")


@pytest.fixture(scope="module")
def study():
    docs = transcripts(3)
    book = parse_yaml_codebook(FAMILIES_YAML.encode(), "families.yaml")
    gold = prepare_gold(gold_from_texts("gold", [(d, [c], t) for d, c, t in gold_rows(docs)], docs), book)
    return docs, book, gold


def test_the_fixture_has_two_families(study):
    _, book, _ = study
    assert [d.name for d in book.dimensions] == ["barrier", "condition"]
    assert book.code("weather").dimension == "condition" and book.code("tides").dimension == "barrier"


def test_gold_of_one_family_scores_that_family_and_says_so(study):
    docs, book, gold = study
    scored, warnings = scored_codebook(book, gold)
    assert [c.name for c in scored.codes] == ["tides", "orchard", "forge"]
    assert len(warnings) == 1 and "condition" in warnings[0]
    report = evaluate_gold(docs, gold, book, embedder=make_embedder(EmbedConfig(runtime="hashing")), bootstrap=10)
    assert report.settings["codes"] == 3
    assert {row["code"] for row in report.per_code} == {"tides", "orchard", "forge"}
    assert any("condition" in w and "barrier" in w for w in report.warnings)


def test_gold_of_every_family_scores_them_all(study):
    docs, book, gold = study
    weather = gold_from_texts("weather", [("doc-0.txt", ["weather"], docs[0].turns[1].text)], docs)
    assert scored_codebook(book, gold, prepare_gold(weather, book)) == (book, [])
