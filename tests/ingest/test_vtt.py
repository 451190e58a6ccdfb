"""The WebVTT reader: timestamps, voice tags, prefixes, merging cues."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import InvalidInput
from pipeline.ingest.cues import parse_timestamp
from pipeline.ingest.vtt import VttReader

READER = VttReader()

VOICES = """WEBVTT - interview 3

NOTE recorded in Szeged

1
00:00:01.000 --> 00:00:04.500 align:start
<v Kérdező>Hogyan működik az óvoda?</v>

2
00:00:05.000 --> 00:00:07.000
<v.loud Anna>Szerintem <i>nagyon</i> jól.

3
00:00:07.000 --> 00:00:09.250
<v Anna>De a várólista hosszú &amp; &lt;script&gt;alert(1)&lt;/script&gt;

01:00:10.000 --> 01:00:12.000
<v Kérdező>Köszönöm.
"""


def test_voice_tags_timestamps_and_merging(write: Callable[..., Path]) -> None:
    raw = READER.read(write("v.vtt", VOICES))
    assert [(t.speaker, t.text, t.time_start, t.time_end) for t in raw.turns] == [
        ("Kérdező", "Hogyan működik az óvoda?", 1.0, 4.5),
        ("Anna", "Szerintem nagyon jól.\nDe a várólista hosszú & <script>alert(1)</script>", 5.0, 9.25),
        ("Kérdező", "Köszönöm.", 3610.0, 3612.0),
    ]


def test_name_prefixes_and_cues_without_speaker(write: Callable[..., Path]) -> None:
    text = ("WEBVTT\n\n00:01.000 --> 00:02.000\nInterviewer: Why?\n\n"
            "00:02.000 --> 00:03.000\nno speaker here\n\n00:03.000 --> 00:04.000\nagain none\n\n"
            "00:04.000 --> 00:05.000\n[music]\n")
    raw = READER.read(write("p.vtt", text))
    assert [(t.speaker, t.text) for t in raw.turns] == [
        ("Interviewer", "Why?"), (None, "no speaker here"), (None, "again none"), (None, "[music]")]


def test_two_voices_in_one_cue(write: Callable[..., Path]) -> None:
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v A>Hi</v>\n<v B>Hello</v>\n"
    raw = READER.read(write("two.vtt", text))
    assert [(t.speaker, t.text, t.time_start) for t in raw.turns] == [("A", "Hi", 1.0), ("B", "Hello", 1.0)]


@pytest.mark.parametrize(
    ("text", "reason", "where"),
    [
        ("1\n00:00:01.000 --> 00:00:02.000\nhi\n", "first line must be WEBVTT", "line 1"),
        ("WEBVTT\n\n00:00:01.000 --> soon\nhi\n", "bad cue timing", "line 3"),
        ("WEBVTT\n\nNOTE nothing else\n", "no turns", None),
    ],
)
def test_bad_files(text: str, reason: str, where: str | None, write: Callable[..., Path]) -> None:
    with pytest.raises(InvalidInput, match=reason) as info:
        READER.read(write("bad.vtt", text))
    assert info.value.where == where


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("00:00:01.500", 1.5), ("01:02:03,250", 3723.25), ("02:03.5", 123.5), ("62.5", 62.5), ("7", 7.0),
     ("1:00:00", 3600.0), ("00:61.000", None), ("abc", None), ("-3", None), ("nan", None)],
)
def test_parse_timestamp(value: str, seconds: float | None) -> None:
    assert parse_timestamp(value) == seconds
