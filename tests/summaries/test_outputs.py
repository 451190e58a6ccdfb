"""The run's CSV files are safe to open in a spreadsheet: user text never runs as a formula."""

from __future__ import annotations

import csv

from pipeline.records import Topic, TopicAssignment
from pipeline.segment import segment_transcript
from pipeline.spreadsheet import cell_text, safe_cell
from pipeline.summaries.outputs import _rows, codes_per_city, write_coded_excerpts_csv, write_topics_csv
from tests.factories import make_transcript

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]


def _world():
    t = make_transcript(FORMULAS[3], [("I", "interviewer", "Why?"), (FORMULAS[2], "respondent", FORMULAS[0])],
                        city=FORMULAS[1], role="=parent", lang="en")
    excerpts = segment_transcript(t)
    topics = [Topic(-1, FORMULAS[0], ("=a", "b"), 1, (excerpts[0].id,), ())]
    return [t], excerpts, topics, [TopicAssignment(excerpts[0].id, -1)]


def test_no_cell_of_the_run_csvs_starts_a_formula(tmp_path):
    transcripts, excerpts, topics, assignments = _world()
    write_coded_excerpts_csv(tmp_path / "coded_excerpts.csv", [r for r, _ in _rows(transcripts, excerpts, [],
                                                                                   assignments, topics)])
    write_topics_csv(tmp_path / "topics.csv", transcripts, excerpts, topics, assignments)
    for name in ("coded_excerpts.csv", "topics.csv"):
        cells = [c for row in csv.reader(open(tmp_path / name, encoding="utf-8")) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@") or (c[:1] == "-" and c != "-1")], name
        assert any(c.startswith("'=") for c in cells), name
    row = next(csv.DictReader(open(tmp_path / "coded_excerpts.csv", encoding="utf-8")))
    assert (row["city"], row["role"], row["text"], row["topic"]) == ("'" + FORMULAS[1], "'=parent",
                                                                    "'" + FORMULAS[0], "-1")
    assert list(codes_per_city(tmp_path)) == [FORMULAS[1]]  # read back as it was


def test_safe_cell_leaves_numbers_and_ordinary_text_alone():
    assert [safe_cell(v) for v in (-1, 0.5, "Bologna", "'s-Hertogenbosch", "")] == [
        -1, 0.5, "Bologna", "'s-Hertogenbosch", ""]
    assert cell_text(safe_cell("=1+1")) == "=1+1" and cell_text("'s-Hertogenbosch") == "'s-Hertogenbosch"
