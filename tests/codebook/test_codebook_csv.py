"""Importing tag CSVs as qualitative-analysis tools export them."""

from __future__ import annotations

import csv
import hashlib
import logging

import pytest

from pipeline.codebook import load_codebook
from pipeline.errors import InvalidCodebook

EXPORT = (
    "tag,description,number of highlights\n"
    'Trust,"Whether parents leave their child with others, and why.",12\n'
    "Trust/parents,Trust among parents.,4\n"
    "Trust > safety,Who looks after the children.,3\n"
    "Positive comment,,9\n"
    "Funding calls ,Applying for public grants.,0\n"
)


def write(tmp_path, text, name="export.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_tags_become_codes(tmp_path):
    path = write(tmp_path, EXPORT)
    codebook = load_codebook(path)
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (codebook.name, codebook.version, codebook.sha256) == ("export", f"csv-{sha256[:8]}", sha256)
    assert codebook.source == "export.csv"
    assert [c.name for c in codebook.codes] == [
        "Trust", "Trust/parents", "Trust > safety", "Positive comment", "Funding calls"
    ]
    assert all(c.label == c.name for c in codebook.codes)
    trust = codebook.code("Trust")
    assert trust.description == "Whether parents leave their child with others, and why."
    assert trust.parent is None and trust.examples == {} and trust.colour is None
    assert codebook.code("Trust/parents").parent == "Trust"
    assert codebook.code("Trust > safety").parent == "Trust"
    assert codebook.background_examples == {}


def test_tag_without_description_is_kept_and_logged(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="pipeline.codebook"):
        codebook = load_codebook(write(tmp_path, EXPORT))
    assert codebook.code("Positive comment").description == ""
    assert "1 of 5 codes have no description: 'Positive comment'" in caplog.text


def test_missing_parents_are_added_before_their_first_child(tmp_path):
    text = "tag,description\nOther,Something.\nA/B/C,Deep.\nMoney/calls/reporting,Receipts.\nMoney/calls,Calls.\n"
    codebook = load_codebook(write(tmp_path, text))
    assert [(c.name, c.parent) for c in codebook.codes] == [
        ("Other", None),
        ("A", None),
        ("A/B", "A"),
        ("A/B/C", "A/B"),
        ("Money/calls/reporting", "Money/calls"),  # its parent is in the file, further down
        ("Money", None),
        ("Money/calls", "Money"),
    ]
    assert codebook.code("A/B").description == "" and codebook.code("Money/calls").description == "Calls."


def test_excel_export_with_bom_semicolons_and_crlf(tmp_path):
    text = (
        "\ufeffTag;Description\r\n"
        'Fiducia;"La fiducia tra\r\nfamiglie; anche tra sconosciuti"\r\n'
        "\r\n"
        "Regole;Permessi\r\n"
    )
    codebook = load_codebook(write(tmp_path, text))
    assert [c.name for c in codebook.codes] == ["Fiducia", "Regole"]
    assert codebook.code("Fiducia").description == "La fiducia tra\nfamiglie; anche tra sconosciuti"


def test_short_rows_and_leading_blank_lines(tmp_path):
    codebook = load_codebook(write(tmp_path, "\n\ntag,description,number of highlights\nTrust\nRules,Permits\n"))
    assert [(c.name, c.description) for c in codebook.codes] == [("Trust", ""), ("Rules", "Permits")]


def test_greek_tags(tmp_path):
    codebook = load_codebook(write(tmp_path, "tag,description\nΕμπιστοσύνη,Εμπιστοσύνη μεταξύ γονιών\n"))
    assert codebook.codes[0].name == "Εμπιστοσύνη"


BAD = [
    ("empty file", "", None, None, "empty"),
    ("blank lines only", "\n\n", None, None, "empty"),
    ("header only", "tag,description\n", None, None, "no tags"),
    ("no tag column", "code,description\nTrust,Trust.\n", None, "tag", "no 'tag' column"),
    ("no description column", "tag,count\nTrust,3\n", None, "description", "no 'description' column"),
    ("two tag columns", "tag,description,tag\nTrust,Trust.,x\n", None, "tag", "two 'tag' columns"),
    ("duplicate tag", "tag,description\nTrust,One.\nRules,Two.\nTrust,Three.\n",
     "Trust", "tag", "line 4 repeats the tag of line 2"),
    ("duplicate after stripping", "tag,description\nTrust,One.\n Trust ,Two.\n", "Trust", "tag", "repeats"),
    ("empty tag", "tag,description\nTrust,One.\n,Orphan description.\n", None, "tag", "line 3 has no tag"),
    ("short row without the tag", "description,tag\nTrust\n", None, "tag", "line 2 has no tag"),
    ("separators only", ",,\n,,\n", None, None, "empty"),
    ("dangling separator", "tag,description\nTrust/,Trust.\n", "Trust/", "tag", "both sides"),
    ("unclosed quote", 'tag,description\nTrust,"never closed\nRules,Permits.\n', None, None, "line 3"),
    ("text after a quote", 'tag,description\nTrust,"quoted"tail\n', None, None, "line 2"),
]


@pytest.mark.parametrize(("text", "entry", "field", "why"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_csv(tmp_path, text, entry, field, why):
    with pytest.raises(InvalidCodebook) as caught:
        load_codebook(write(tmp_path, text))
    error = caught.value
    assert (error.source, error.entry, error.field) == ("export.csv", entry, field)
    assert why in error.why


def test_not_utf8(tmp_path):
    with pytest.raises(InvalidCodebook, match="export the CSV as UTF-8"):
        load_codebook(write(tmp_path, "tag,description\nFiducia,Perché sì\n", encoding="cp1252"))


@pytest.mark.shared_data
def test_real_final_codebook(shared_data):
    path = shared_data / "serdif_dev" / "codebook_20220303_8.csv"
    codebook = load_codebook(path)
    assert len(codebook.codes) == 22
    assert codebook.name == "codebook_20220303_8"
    assert codebook.version == "csv-" + hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    assert all(c.description and c.parent is None for c in codebook.codes)
    # One description is a multi-line list; CRLF file, LF inside the record.
    suggestion = codebook.code("Additional feature suggestion")
    assert suggestion.description.count("\n") == 5 and "\r" not in suggestion.description
    # The coded segments of the same study use exactly these tags as code names.
    with (shared_data / "serdif_dev" / "tags_dev.csv").open(newline="", encoding="utf-8") as f:
        used = {row["tag"] for row in csv.DictReader(f)}
    assert used <= {c.name for c in codebook.codes}


@pytest.mark.shared_data
def test_real_first_snapshot(shared_data, caplog):
    with caplog.at_level(logging.WARNING, logger="pipeline.codebook"):
        first = load_codebook(shared_data / "serdif_dev" / "codebook_20220223_0.csv")
    final = load_codebook(shared_data / "serdif_dev" / "codebook_20220303_8.csv")
    assert len(first.codes) == 120
    assert sum(not c.description for c in first.codes) == 42
    assert "42 of 120 codes have no description" in caplog.text
    assert first.code("text").label == "text"  # exported as 'text ' with a trailing space
    assert first.version != final.version
    assert "Moderator comment" in {c.name for c in first.codes}
    assert "Moderator comment" not in {c.name for c in final.codes}
