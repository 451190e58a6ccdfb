"""What the subtitle readers (WebVTT, SRT) share: timestamps, speaker prefixes, merging cues."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import InvalidInput
from pipeline.ingest import speakers
from pipeline.records import RawTurn

_TIMESTAMP = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?")
TIMING = re.compile(
    r"\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\s*-->\s*"
    r"(?P<end>(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)(?P<settings>\s.*)?"
)


def parse_timestamp(value: str) -> float | None:
    """``"01:02:03.500"``, ``"02:03,5"`` or ``"62.5"`` (seconds) to seconds; ``None`` if neither."""
    value = value.strip()
    match = _TIMESTAMP.fullmatch(value)
    if match:
        hours, minutes, seconds, fraction = match.groups()
        if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
            return None
        total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
        return total + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def unescape(text: str) -> str:
    """Character references (``&amp;``, ``&lt;``, ``&nbsp;``) to characters."""
    return html.unescape(text)


def split_speaker(text: str, counts: dict[str, int]) -> tuple[str | None, str]:
    """``("Anna", "hello")`` for a cue ``"Anna: hello"`` when the prefix is a plausible label:
    it repeats in the file (``counts``), reads as a name, or names a role."""
    found = speakers.split_label(text)
    if not found:
        return None, text
    label, rest = found
    if (counts.get(label, 0) >= 2 or speakers.looks_like_name(label)
            or speakers.is_interviewer_label(label) or speakers.is_respondent_label(label)):
        return label, rest
    return None, text


def merge_same_speaker(turns: Iterable[RawTurn]) -> tuple[RawTurn, ...]:
    """Join consecutive cues of one (named) speaker: first start, last end.

    Cues without a speaker stay apart: nothing says they are one person's."""
    merged: list[RawTurn] = []
    for turn in turns:
        last = merged[-1] if merged else None
        if last is not None and turn.speaker is not None and turn.speaker == last.speaker \
                and turn.role == last.role:
            merged[-1] = RawTurn(
                text=f"{last.text}\n{turn.text}",
                speaker=last.speaker,
                role=last.role,
                time_start=last.time_start if last.time_start is not None else turn.time_start,
                time_end=turn.time_end if turn.time_end is not None else last.time_end,
            )
        else:
            merged.append(turn)
    return tuple(merged)


def blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Runs of non-blank lines, each with the 1-based number of its first line."""
    found: list[tuple[int, list[str]]] = []
    current: list[str] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not current:
                found.append((number, current))
            current.append(line)
        elif current:
            current = []
    return found


def timing(path: Path, block: list[str], first_line: int) -> tuple[int, float, float] | None:
    """Index of the block's timing line and its start and end, or ``None`` if it has none."""
    for index, line in enumerate(block[:2]):
        if "-->" not in line:
            continue
        match = TIMING.match(line)
        start = parse_timestamp(match.group("start")) if match else None
        end = parse_timestamp(match.group("end")) if match else None
        if start is None or end is None:
            raise InvalidInput(path, f"bad cue timing {line.strip()!r}", where=f"line {first_line + index}")
        return index, start, end
    return None
