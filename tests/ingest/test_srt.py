"""The SubRip reader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import InvalidInput
from pipeline.ingest.srt import SrtReader

READER = SrtReader()


def test_cues_speakers_tags_and_merging(write: Callable[..., Path]) -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:03,000\nInterviewster: Hoe gaat het met de opvang?\n\n"
        "2\n00:00:03,500 --> 00:00:05,000\nOuder: <i>Goed</i>, {\\an8}dank je.\n\n"
        "3\n00:00:05,000 --> 00:00:08,125\nOuder: Maar <script>alert(1)</script> blijft tekst.\n\n"
        "00:00:09,000 --> 00:00:10,000\nInterviewster: Dank u.\n"
    )
    raw = READER.read(write("nl.srt", text))
    assert [(t.speaker, t.text, t.time_start, t.time_end) for t in raw.turns] == [
        ("Interviewster", "Hoe gaat het met de opvang?", 1.0, 3.0),
        ("Ouder", "Goed, dank je.\nMaar <script>alert(1)</script> blijft tekst.", 3.5, 8.125),
        ("Interviewster", "Dank u.", 9.0, 10.0),
    ]


def test_cp1252_subtitles(write: Callable[..., Path]) -> None:
    raw = READER.read(write("it.srt", "1\n00:00:01,000 --> 00:00:02,000\nPerché è così?\n", "cp1252"))
    assert raw.encoding == "cp1252" and raw.turns[0].text == "Perché è così?"


@pytest.mark.parametrize(
    ("text", "reason"),
    [("just some text\nwithout cues\n", "no turns"), ("1\n00:00:01,000 --> 00:99:02,000\nhi\n", "bad cue timing")],
)
def test_bad_files(text: str, reason: str, write: Callable[..., Path]) -> None:
    with pytest.raises(InvalidInput, match=reason):
        READER.read(write("bad.srt", text))
