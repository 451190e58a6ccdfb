"""Survey exports: survey.yaml, CSV and XLSX, bad rows quarantined, bad columns stopping the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import InvalidInput
from pipeline.survey import load_survey, load_survey_config
from pipeline.survey.transcripts import survey_transcripts
from pipeline.ingest.pseudonymise import PseudonymKey

YAML = """\
file: {file}
id: rid
attributes: {{city: City, language: lang}}
items:
  - column: trust
    text: It is hard to trust other people with my children
    kind: likert
    scale: {{1: Strongly disagree, 2: Disagree, 3: Neither, 4: Agree, 5: Strongly agree}}
    links: [trust]
  - column: platform
    text: Have you used an online platform?
    kind: yes_no
  - column: gender
    kind: choice
    options: [woman, man]
  - column: why
    text: What would help you trust other parents?
    kind: open
"""
HEADER = ["RID", "City", "lang", "trust", "platform", "gender", "why"]
ROWS = [
    ["R1", "Bologna", "it", "4", "yes", "woman", "Conoscere prima le famiglie, scrivete a anna@example.org."],
    ["R2", "Bologna", "it", "Strongly agree", "No", "man", ""],
    ["", "Kortrijk", "nl", "2", "ja", "woman", "Kennismaken met andere ouders."],          # missing id
    ["R4", "Kortrijk", "nl", "7", "nee", "woman", "Duidelijke afspraken."],                # not on the scale
    ["R5", "Kortrijk", "nl", "3", "maybe", "robot", ""],                                   # two bad cells
    ["R1", "Kortrijk", "nl", "3", "ja", "man", ""],                                        # repeated id
    ["R7", "Kortrijk", "nl", "", "", "", "Een vaste contactpersoon bij de stad."],         # all closed blank
]


def write_csv(folder: Path, header=HEADER, rows=ROWS) -> Path:
    import csv

    with open(folder / "export.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    (folder / "survey.yaml").write_text(YAML.format(file="export.csv"), encoding="utf-8")
    return folder / "survey.yaml"


def write_xlsx(folder: Path, header=HEADER, rows=ROWS) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        # a spreadsheet stores the scale points as numbers and blank cells as nothing
        sheet.append([int(c) if c.isdigit() else (c or None) for c in row])
    book.save(folder / "export.xlsx")
    (folder / "survey.yaml").write_text(YAML.format(file="export.xlsx"), encoding="utf-8")
    return folder / "survey.yaml"


@pytest.mark.parametrize("write", [write_csv, write_xlsx], ids=["csv", "xlsx"])
def test_good_rows_are_read_and_bad_rows_quarantined_naming_row_and_column(tmp_path, write):
    survey = load_survey(write(tmp_path))
    assert [r.id for r in survey.respondents] == ["R1", "R2", "R7"]
    r1, r2, r7 = survey.respondents
    assert r1.closed == {"trust": 4, "platform": "yes", "gender": "woman"}
    assert r2.closed == {"trust": 5, "platform": "no", "gender": "man"}  # labels and case are understood
    assert r7.closed == {} and r7.open == {"why": "Een vaste contactpersoon bij de stad."}
    assert r1.attributes == {"city": "Bologna", "language": "it"}
    reasons = {q.file.rsplit(" ", 1)[-1]: q.reason for q in survey.quarantined}
    assert set(reasons) == {"4", "5", "6", "7"}
    assert reasons["4"].startswith("row 4, column 'rid': missing respondent id")
    assert "row 5, column 'trust': '7' is not on the scale (1-5" in reasons["5"]
    assert "column 'platform': 'maybe' is neither yes" in reasons["6"] and "column 'gender': 'robot'" in reasons["6"]
    assert "respondent id 'R1' is already used in row 2" in reasons["7"]


def test_open_answers_become_pseudonymised_survey_transcripts(tmp_path):
    survey = load_survey(write_csv(tmp_path))
    transcripts = survey_transcripts(survey, key=PseudonymKey(), languages=("it", "nl", "en"))
    assert [t.id for t in transcripts] == ["survey-R1", "survey-R7"]  # R2 left the open item blank
    first = transcripts[0]
    assert first.source_type == "survey" and first.meta.city == "Bologna" and first.meta.extra["respondent"] == "R1"
    item, answer = first.turns
    assert (item.role, item.speaker, item.text) == ("interviewer", "why", "What would help you trust other parents?")
    assert answer.role == "respondent" and answer.speaker == "R1" and answer.lang == "it"
    assert "anna@example.org" not in first.text and "Conoscere prima" in answer.text
    assert all(t.source_type == "survey" for t in first.turns)


def test_a_column_missing_from_the_export_stops_with_its_name(tmp_path):
    path = write_csv(tmp_path, header=[h if h != "platform" else "platfrom" for h in HEADER])
    with pytest.raises(InvalidInput) as err:
        load_survey(path)
    assert err.value.where == "row 1, column 'platform'" and "item 'platform' in survey.yaml" in err.value.why


@pytest.mark.parametrize("change, where, why", [
    (("kind: yes_no", "kind: yes-no"), "items[1] (column 'platform').kind", "'likert', 'yes_no'"),
    (("scale: {1: Strongly", "scale: {0: Strongly"), "items[0] (column 'trust')", "consecutive"),
    (("file: export.csv", "file: export.sav"), "field file", ".csv or .xlsx"),
    (("id: rid", "id: rid\ncolour: red"), "field colour", "Extra inputs"),
], ids=["kind", "scale", "format", "unknown-field"])
def test_a_bad_survey_yaml_names_the_field(tmp_path, change, where, why):
    path = write_csv(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        load_survey_config(path)
    assert where in (err.value.where or "") and why.lower() in err.value.why.lower()


def test_a_damaged_xlsx_is_an_invalid_input(tmp_path):
    path = write_xlsx(tmp_path)
    (tmp_path / "export.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InvalidInput, match="not a readable .xlsx"):
        load_survey(path)


def test_a_corpus_with_a_survey_ingests_its_respondents_beside_the_interviews(tmp_path):
    from pipeline.ingest import ingest_corpus

    write_xlsx(tmp_path)
    (tmp_path / "i1.txt").write_text("Interviewer: What was hard?\n\nRespondent: Trusting parents we did not know "
                                     "was hard for us.\n", encoding="utf-8")
    result = ingest_corpus(tmp_path)
    assert [t.id for t in result.transcripts] == ["i1", "survey-R1", "survey-R7"]  # the export is not a transcript
    assert [t.source_type for t in result.transcripts] == ["interview", "survey", "survey"]
    assert len(result.survey.respondents) == 3
    assert [q.file for q in result.quarantined] == [f"export.xlsx row {n}" for n in (4, 5, 6, 7)]
