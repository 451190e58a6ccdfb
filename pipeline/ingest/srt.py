"""SubRip subtitles (``.srt``): one turn per cue, merged while the speaker stays the same.

A cue is an optional number line, a ``HH:MM:SS,mmm --> HH:MM:SS,mmm`` line and its text.
The speaker comes from a ``Name: text`` prefix. The formatting tags SubRip players know
(``<i>``, ``<b>``, ``<u>``, ``<font ...>``, ``{\\an8}``) are removed; other angle-bracket
text, such as ``<script>``, is kept literally.
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

_FORMAT_TAG = re.compile(r"</?(?:i|b|u|font)(?:\s[^>]*)?>|\{\\[^}]*\}", re.IGNORECASE)


class SrtReader:
    format = "srt"
    suffixes = (".srt",)

    def read(self, path: Path) -> RawTranscript:
        text, encoding = read_text(path)
        segments: list[tuple[str, float, float]] = []
        for first_line, block in cues.blocks(text.split("\n")):
            found = cues.timing(path, block, first_line)
            if found is None:
                continue
            index, start, end = found
            payload = cues.unescape(_FORMAT_TAG.sub("", "\n".join(block[index + 1:]))).strip()
            if payload:
                segments.append((payload, start, end))
        if not segments:
            raise InvalidInput(path, "no turns found (no 'HH:MM:SS,mmm --> HH:MM:SS,mmm' cues with text)")
        counts: dict[str, int] = {}
        for payload, _, _ in segments:
            if found_label := speakers.split_label(payload):
                counts[found_label[0]] = counts.get(found_label[0], 0) + 1
        turns = []
        for payload, start, end in segments:
            speaker, said = (None, payload) if is_note(payload) else cues.split_speaker(payload, counts)
            if said.strip():
                turns.append(RawTurn(text=said.strip(), speaker=speaker, time_start=start, time_end=end))
        if not turns:
            raise InvalidInput(path, "no turns found (no cue with text)")
        return RawTranscript(path=str(path), format=self.format, encoding=encoding,
                             turns=cues.merge_same_speaker(turns))


register_reader(SrtReader())
