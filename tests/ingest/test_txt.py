"""The plain-text reader: layouts, encodings, real Italian data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import InvalidInput
from pipeline.ingest.txt import TxtReader

READER = TxtReader()


@pytest.mark.parametrize(
    ("encoding", "recorded"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("cp1252", "cp1252")],
)
def test_italian_in_any_encoding(encoding: str, recorded: str, write: Callable[..., Path]) -> None:
    path = write("it.txt", "Intervistatrice: Perché è così?\nGenitore: Perché sì, però è difficile.\n", encoding)
    raw = READER.read(path)
    assert raw.encoding == recorded
    assert [(t.speaker, t.text) for t in raw.turns] == [
        ("Intervistatrice", "Perché è così?"), ("Genitore", "Perché sì, però è difficile.")]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(encoding: str, write: Callable[..., Path]) -> None:
    bom = b"\xff\xfe" if encoding.endswith("le") else b"\xfe\xff"
    path = write("nl.txt", bom + "Interviewer: Hoeveel?\nOuder: Één.\n".encode(encoding))
    assert [t.text for t in READER.read(path).turns] == ["Hoeveel?", "Één."]


def test_tab_separated_like_parlato(write: Callable[..., Path]) -> None:
    path = write("PTX.txt", "TOR004\tva bene\nTOR004\tallora\nTOI020\tsì come vuoi\nTOR004\tcome ti chiami\n")
    turns = READER.read(path).turns
    assert [(t.speaker, t.text) for t in turns] == [
        ("TOR004", "va bene\nallora"), ("TOI020", "sì come vuoi"), ("TOR004", "come ti chiami")]


def test_numbered_prompts_without_labels(write: Callable[..., Path]) -> None:
    text = "1 Read the tab.\n\tOkay.\n    1.a Was it enough?\n    \tYes, I think so.\n(The participant laughs)\n"
    turns = READER.read(write("think.txt", text)).turns
    assert [t.role for t in turns] == ["interviewer", "respondent", "interviewer", "respondent", "other"]


def test_greek_and_hungarian_labels(write: Callable[..., Path]) -> None:
    text = "Συνεντευκτής: Πώς είστε;\nΓονέας: Καλά.\nKérdező: És ön?\nSzülő: Jól, köszönöm.\n"
    turns = READER.read(write("mixed.txt", text)).turns
    assert [t.speaker for t in turns] == ["Συνεντευκτής", "Γονέας", "Kérdező", "Szülő"]


@pytest.mark.parametrize(("content", "reason"), [(b"", "empty"), (b"\n\n   \n", "empty"),
                                                   (b"\x00\xff" * 300, "binary")])
def test_bad_files(content: bytes, reason: str, write: Callable[..., Path]) -> None:
    with pytest.raises(InvalidInput, match=reason):
        READER.read(write("bad.txt", content))


def test_real_parlato_interview(shared_data: Path) -> None:
    raw = READER.read(shared_data / "parlato_it" / "PTD001.txt")
    assert raw.encoding == "utf-8"
    named = {t.speaker for t in raw.turns if t.role is None}
    assert named == {"TOR004", "TOI020"}
    assert [t.speaker for t in raw.turns if t.role == "other"] == ["???"]
    # consecutive lines of one speaker are merged, so speakers alternate
    assert all(a.speaker != b.speaker for a, b in zip(raw.turns, raw.turns[1:]))
    assert raw.turns[0].text.startswith("va bene sta registrando\nallora")


def test_right_to_left_text_and_marks_are_kept(write: Callable[..., Path]) -> None:
    text = "Interviewer: Which language?\nAnna: \u200fمرحبا بكم في الحضانة\u200f and שלום.\n"
    turns = READER.read(write("rtl.txt", text)).turns
    assert turns[1].text == "\u200fمرحبا بكم في الحضانة\u200f and שלום."


def test_a_turn_wrapped_over_labelled_lines_is_one_turn(write: Callable[..., Path]) -> None:
    """PDF-to-text exports repeat the speaker label on every wrapped line of one turn."""
    path = write("AKxx.txt", "Interviewer 1: And what's your background that\nInterviewer 1: brought you here?\n"
                             "Interviewee: We applied for funding through the state of\nInterviewee: Alaska to pay "
                             "for that.\nInterviewer 1: Okay.\nInterviewee: Yes.\n")
    turns = READER.read(path).turns
    assert [(t.speaker, t.text) for t in turns] == [
        ("Interviewer 1", "And what's your background that\nbrought you here?"),
        ("Interviewee", "We applied for funding through the state of\nAlaska to pay for that."),
        ("Interviewer 1", "Okay."), ("Interviewee", "Yes.")]
