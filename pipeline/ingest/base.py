"""The ``Reader`` plug-in point: one reader per transcript file format.

A reader only turns bytes into ``RawTurn``s. Normalisation (NFC), speaker-role inference,
language detection and pseudonymisation happen afterwards, the same way for every format.
A reader raises ``InvalidInput`` (naming the file, where and why) for a file it cannot read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from pipeline.records import RawTranscript


@runtime_checkable
class Reader(Protocol):
    format: str
    """Short name stored with the transcript, e.g. ``"txt"``, ``"docx"``."""
    suffixes: tuple[str, ...]
    """Lower-case file suffixes it reads, e.g. ``(".vtt",)``."""

    def read(self, path: Path) -> RawTranscript: ...


_READERS: dict[str, Reader] = {}


def register_reader(reader: Reader) -> Reader:
    for suffix in reader.suffixes:
        if suffix in _READERS:
            raise ValueError(f"two readers for {suffix}")
        _READERS[suffix] = reader
    return reader


def reader_for(path: Path) -> Reader | None:
    return _READERS.get(path.suffix.lower())


def registered_readers() -> dict[str, Reader]:
    return dict(_READERS)
