"""Plain-text transcripts (``.txt``) in any of the layouts of ``layout``."""

from __future__ import annotations

from pathlib import Path

from pipeline.ingest.base import register_reader
from pipeline.ingest.encoding import read_text
from pipeline.ingest.layout import Paragraph, paragraphs_to_turns
from pipeline.records import RawTranscript


class TxtReader:
    format = "txt"
    suffixes = (".txt",)

    def read(self, path: Path) -> RawTranscript:
        text, encoding = read_text(path)
        lines = [Paragraph(line.rstrip()) for line in text.split("\n")]
        _, turns = paragraphs_to_turns(lines, path, plain_text=True)
        return RawTranscript(path=str(path), format=self.format, encoding=encoding, turns=turns)


register_reader(TxtReader())
