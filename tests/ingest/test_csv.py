"""The turn-table reader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import InvalidInput
from pipeline.ingest.csv import CsvReader

READER = CsvReader()


def test_columns_roles_and_times(write: Callable[..., Path]) -> None:
    text = ("Speaker,Role,Start,End,Text,notes\n"
            "Kérdező,interviewer,00:00:01.5,2.25,Hogyan?,x\n"
            ",,,,,\n"
            'Anna,Respondent,00:01:00,00:01:30.125,"Jól, köszönöm. <script>alert(1)</script>",\n'
            "Anna,,,,,empty text is skipped\n")
    raw = READER.read(write("t.csv", text))
    assert [(t.speaker, t.role, t.text, t.time_start, t.time_end) for t in raw.turns] == [
        ("Kérdező", "interviewer", "Hogyan?", 1.5, 2.25),
        ("Anna", "respondent", "Jól, köszönöm. <script>alert(1)</script>", 60.0, 90.125),
    ]


def test_utterance_column_and_semicolons_in_cp1252(write: Callable[..., Path]) -> None:
    raw = READER.read(write("t.csv", "SPEAKER;UTTERANCE\nIntervistatrice;Perché?\nGenitore;Così è.\n", "cp1252"))
    assert raw.encoding == "cp1252"
    assert [(t.speaker, t.text, t.role) for t in raw.turns] == [
        ("Intervistatrice", "Perché?", None), ("Genitore", "Così è.", None)]


@pytest.mark.parametrize(
    ("text", "reason", "where"),
    [
        ("who,text\nA,hi\n", "missing required column 'speaker'", "header"),
        ("speaker,words\nA,hi\n", "missing required column 'text'", "header"),
        ("speaker,text,role\nA,hi,boss\n", "role 'boss' is not one of", "row 2, column 'role'"),
        ("speaker,text,start\nA,hi,0\nB,yo,soon\n", "'soon' is not a time", "row 3, column 'start'"),
        ("speaker,text,text\nA,hi,x\n", "appears twice", "row 1"),
        ("speaker,text\nA,hi,extra\n", "3 cells but the header has 2", "row 2"),
        ("speaker,text\nA,\n", "no turns", None),
    ],
)
def test_bad_tables(text: str, reason: str, where: str | None, write: Callable[..., Path]) -> None:
    path = write("bad.csv", text)
    with pytest.raises(InvalidInput, match=reason) as info:
        READER.read(path)
    assert info.value.where == where
    assert str(path) in str(info.value)
