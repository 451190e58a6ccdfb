"""The corpus manifest: valid rows, and errors that name the file, row and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import InvalidInput
from pipeline.ingest.manifest import load_manifest

HEADER = "interview_id,file,city,country,role,date,language,names,interviewer,age_group\n"


def test_valid_manifest(write: Callable[..., Path]) -> None:
    path = write("manifest.csv", HEADER
                 + "IT-01,it/torino_1.docx,Torino,IT,parent,2019-03-12,IT,Maria Rossi; Luca Neri ;,Intervistatrice,30-39\n"
                 + "\n"
                 + "HU-01,szeged.odt,Szeged,HU,,,,,,\n")
    manifest = load_manifest(path)
    first, second = manifest.entries
    assert (first.row, second.row) == (2, 4)
    meta = first.meta
    assert (meta.interview_id, meta.file, meta.city, meta.country, meta.role, meta.date, meta.language) == (
        "IT-01", "it/torino_1.docx", "Torino", "IT", "parent", "2019-03-12", "it")
    assert meta.names == ("Maria Rossi", "Luca Neri")
    assert meta.extra == {"age_group": "30-39", "interviewer": "Intervistatrice"}
    assert (second.meta.role, second.meta.date, second.meta.language, second.meta.names) == (None, None, None, ())
    assert second.meta.extra == {"age_group": ""}


def test_semicolon_delimited_cp1252_and_only_required_columns(write: Callable[..., Path]) -> None:
    path = write("manifest.csv", "Interview_ID;File;Città\nNL-1;één.txt;Utrecht\n", "cp1252")
    meta = load_manifest(path).entries[0].meta
    assert (meta.file, meta.extra) == ("één.txt", {"città": "Utrecht"})


@pytest.mark.parametrize(
    ("rows", "where", "reason"),
    [
        ("a1,a.txt,,,,2019-13-01,,,,\n", "row 2, field 'date'", "not an ISO date"),
        ("a1,a.txt,,,,12/03/2019,,,,\n", "row 2, field 'date'", "not an ISO date"),
        ("a1,a.txt,,,,,de,,,\n", "row 2, field 'language'", "'de' is not one of it, hu, el, nl, en"),
        ("a1,a.txt,,,,,,,,\nb 2,b.txt,,,,,,,,\n", "row 3, field 'interview_id'", "may only use letters"),
        (",a.txt,,,,,,,,\n", "row 2, field 'interview_id'", "is empty"),
        ("a1,a.txt,,,,,,,,\nA1,b.txt,,,,,,,,\n", "row 3, field 'interview_id'", "already used in row 2"),
        ("a1,a.txt,,,,,,,,\nb1,a.txt,,,,,,,,\n", "row 3, field 'file'", "already used in row 2"),
        ("a1,../secret.txt,,,,,,,,\n", "row 2, field 'file'", "inside the corpus folder"),
        ("a1,/etc/passwd,,,,,,,,\n", "row 2, field 'file'", "inside the corpus folder"),
        ("a1,,,,,,,,,\n", "row 2, field 'file'", "is empty"),
        ("a1,a.txt,,,,2019-13-01,xx,,,\n", "row 2, field 'date'", r"1 more problem after it"),
    ],
    ids=["date-month", "date-format", "language", "unsafe-id", "empty-id", "duplicate-id", "duplicate-file",
         "parent-path", "absolute-path", "empty-file", "several"],
)
def test_errors_name_row_and_field(rows: str, where: str, reason: str, write: Callable[..., Path]) -> None:
    path = write("manifest.csv", HEADER + rows)
    with pytest.raises(InvalidInput, match=reason) as info:
        load_manifest(path)
    assert info.value.where == where
    assert str(info.value).startswith(f"{path} ({where})")


@pytest.mark.parametrize(
    ("text", "reason"),
    [("file,city\na.txt,Rome\n", "missing required column 'interview_id'"),
     ("interview_id,city\na,Rome\n", "missing required column 'file'"),
     ("interview_id,file\n", "lists no interviews"),
     ("", "empty file")],
)
def test_whole_file_errors(text: str, reason: str, write: Callable[..., Path]) -> None:
    with pytest.raises(InvalidInput, match=reason):
        load_manifest(write("manifest.csv", text))


def test_languages_follow_the_run(write: Callable[..., Path]) -> None:
    path = write("manifest.csv", "interview_id,file,language\na,a.txt,de\n")
    assert load_manifest(path, languages=("de", "en")).entries[0].meta.language == "de"
