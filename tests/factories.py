"""Build stage records by hand for unit tests (no reader, no model)."""

from __future__ import annotations

import hashlib

from pipeline.records import InterviewMeta, Transcript, Turn


def make_transcript(tid: str, turns: list[tuple[str, str, str]], *, city: str = "Bologna", role: str = "parent",
                    lang: str = "it") -> Transcript:
    """``turns`` are ``(speaker, role, text)``; the text is laid out as the ingest stage does."""
    text, built = "", []
    for i, (speaker, speaker_role, body) in enumerate(turns):
        prefix = f"{speaker}: "
        start = len(text) + len(prefix)
        text += prefix + body + "\n"
        built.append(Turn(i, speaker, speaker_role, body, start, start + len(body), lang))
    meta = InterviewMeta(tid, f"{tid}.txt", city=city, country="Italy", role=role, language=lang)
    return Transcript(tid, meta, f"{tid}.txt", hashlib.sha256(text.encode()).hexdigest(), "txt", "utf-8", text,
                      tuple(built), lang)
