"""Keys that say when a stored transcript (and its excerpts) is what reading the file again
would give, so that an incremental run takes it from the store instead.

A transcript is a function of its file's bytes, its manifest row (every listed name of the
corpus is masked in every transcript, so a new name anywhere changes every row and every
key), the languages the detector chooses between, whether it is read as a document, the
readers' code and lingua's models, and the pseudonym key. The key only grows and never
changes an entry, and the store holds every original this transcript's first reading added,
so the same inputs give the same pseudonyms: the key is not part of the hash.

``READER_VERSION`` stands for the readers' code: bump it with any change to a reader,
``transcript.build_transcript``, the pseudonymiser or the language rules that can change a
transcript built from the same file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
from collections.abc import Sequence
from functools import lru_cache

from pipeline.records import InterviewMeta, Transcript, Turn

READER_VERSION = 1


@lru_cache(maxsize=1)
def _lingua_version() -> str:
    try:
        return importlib.metadata.version("lingua-language-detector")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "none"


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()


def ingest_key(source_sha256: str, meta: InterviewMeta, languages: Sequence[str], *, document: bool) -> str:
    """The hash of everything a transcript read from a file is built from (see the module docstring)."""
    return _digest({"reader": READER_VERSION, "lingua": _lingua_version(), "file": source_sha256,
                    "meta": dataclasses.asdict(meta), "languages": list(languages), "document": document})


def meta_to_json(meta: InterviewMeta) -> dict:
    return dataclasses.asdict(meta)


def meta_from_json(value: dict) -> InterviewMeta:
    return InterviewMeta(**{**value, "names": tuple(value.get("names", ())), "extra": dict(value.get("extra", {}))})


def transcript_from_store(*, id: str, meta: InterviewMeta, source_path: str, source_sha256: str, format: str,
                          encoding: str | None, text: str, language: str | None, source_type: str,
                          turns: Sequence[dict]) -> Transcript:
    """A ``Transcript`` rebuilt from its stored row and turns (a turn's text is its span of ``text``)."""
    return Transcript(
        id=id, meta=meta, source_path=source_path, source_sha256=source_sha256, format=format, encoding=encoding,
        text=text, language=language, source_type=source_type,
        turns=tuple(Turn(index=u["idx"], speaker=u["speaker"], role=u["role"], text=text[u["start"]:u["end"]],
                         start=u["start"], end=u["end"], lang=u["lang"], time_start=u["time_start"],
                         time_end=u["time_end"], source_type=source_type, page=u["page"])
                    for u in sorted(turns, key=lambda u: u["idx"])),
    )
