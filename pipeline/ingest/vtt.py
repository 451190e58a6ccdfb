"""WebVTT captions (``.vtt``): one turn per cue, merged while the speaker stays the same.

The speaker comes from a voice tag (``<v Anna>``, ``<v.loud Anna>``) or else from a
``Name: text`` prefix. Cue tags (``<c>``, ``<i>``, ``<b>``, ``<u>``, ``<lang>``, ``<ruby>``,
``<rt>``, inline timestamps) are removed; anything else in angle brackets, such as
``<script>``, is text and kept literally. Character references are decoded.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import InvalidInput
from pipeline.ingest import cues, speakers
from pipeline.ingest.base import register_reader
from pipeline.ingest.encoding import read_text
from pipeline.ingest.layout import is_note
from pipeline.records import RawTranscript, RawTurn

_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:[ \t]+([^>]*))?>")
_CUE_TAG = re.compile(r"</?(?:c|i|b|u|v|lang|ruby|rt)(?:[.\s][^>]*)?>|<\d+:\d{2}(?::\d{2})?\.\d{3}>")


class VttReader:
    format = "vtt"
    suffixes = (".vtt",)

    def read(self, path: Path) -> RawTranscript:
        text, encoding = read_text(path)
        lines = text.split("\n")
        if not lines[0].startswith("WEBVTT"):
            raise InvalidInput(path, "not a WebVTT file (the first line must be WEBVTT)", where="line 1")
        segments: list[tuple[str | None, str, float, float]] = []
        for first_line, block in cues.blocks(lines)[1:]:
            if block[0].startswith(("NOTE", "STYLE", "REGION")) and "-->" not in block[0]:
                continue
            found = cues.timing(path, block, first_line)
            if found is None:
                continue
            index, start, end = found
            for speaker, payload in _voices("\n".join(block[index + 1:])):
                segments.append((speaker, payload, start, end))
        counts: dict[str, int] = {}
        for speaker, payload, _, _ in segments:
            if speaker is None and (label := _label_of(payload)):
                counts[label] = counts.get(label, 0) + 1
        turns = []
        for speaker, payload, start, end in segments:
            if speaker is None and not is_note(payload):
                speaker, payload = cues.split_speaker(payload, counts)
            if payload.strip():
                turns.append(RawTurn(text=payload.strip(), speaker=speaker, time_start=start, time_end=end))
        if not turns:
            raise InvalidInput(path, "no turns found (no cue with text)")
        return RawTranscript(path=str(path), format=self.format, encoding=encoding,
                             turns=cues.merge_same_speaker(turns))


def _label_of(payload: str) -> str | None:
    found = speakers.split_label(payload)
    return found[0] if found else None


def _voices(payload: str) -> list[tuple[str | None, str]]:
    """Split a cue payload at voice tags: ``[(speaker or None, text)]``."""
    parts: list[tuple[str | None, str]] = []
    speaker: str | None = None
    position = 0
    for match in _VOICE.finditer(payload):
        parts.append((speaker, payload[position:match.start()]))
        speaker = (match.group(1) or "").strip() or None
        position = match.end()
    parts.append((speaker, payload[position:]))
    cleaned = []
    for who, text in parts:
        text = cues.unescape(_CUE_TAG.sub("", text)).strip()
        if text:
            cleaned.append((cues.unescape(who) if who else None, text))
    return cleaned


register_reader(VttReader())
