"""Speaker-label conventions."""

from __future__ import annotations

import pytest

from pipeline.ingest import speakers


@pytest.mark.parametrize(
    "label",
    ["Interviewer", "INTERVIEWER", "interviewer 2", "Int", "I", "I1", "Q", "Moderator", "MODERATOR",
     "Researcher A", "Intervistatrice", "Intervistatore", "Ricercatrice", "Kérdező", "KÉRDEZŐ", "Riporter",
     "Συνεντευκτής", "ΣΥΝΕΝΤΕΥΚΤΗΣ", "Συνεντεύκτρια", "Ερευνήτρια", "Interviewster", "Onderzoeker",
     "Enquêteur", "Int."],
)
def test_interviewer_labels(label: str) -> None:
    assert speakers.is_interviewer_label(label)


@pytest.mark.parametrize("label", ["Anna", "Respondent", "Genitore", "Ia", "Interviewed", "Ismeretlen", "TOI020"])
def test_not_interviewer_labels(label: str) -> None:
    assert not speakers.is_interviewer_label(label)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Anna: hello", ("Anna", "hello")),
        ("Dr. Rossi: sì", ("Dr. Rossi", "sì")),
        ("Συνεντευκτής: Πώς;", ("Συνεντευκτής", "Πώς;")),
        ("Kérdező:Hogyan?", ("Kérdező", "Hogyan?")),
        ("Anna:", ("Anna", "")),
        ("I said this, then: that", None),  # punctuation before the colon
        ("This is a long sentence before a colon: no", None),  # more than five words
        ("14:30 we met", None),  # no letter
        ("see https://example.org", None),
        ("https://example.org", None),
        ("A" * 41 + ": x", None),
    ],
)
def test_split_label(line: str, expected: tuple[str, str] | None) -> None:
    assert speakers.split_label(line) == expected


@pytest.mark.parametrize(("label", "expected"), [("Anna", True), ("Dr Rossi", True), ("TOR004", True),
                                                 ("Case study", False), ("So I would say that", False)])
def test_looks_like_name(label: str, expected: bool) -> None:
    assert speakers.looks_like_name(label) is expected


def test_unidentified() -> None:
    assert speakers.is_unidentified("???") and not speakers.is_unidentified("P1")
