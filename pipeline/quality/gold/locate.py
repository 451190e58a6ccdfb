"""Locating a coder's segment in our transcripts.

Coders code in their own tool, on their own copy of the text, so a human-coded segment
never comes with our offsets. Every gold loader ends the same way: a segment's text is
*located* in ``Transcript.text`` and becomes a ``GoldSpan`` with code-point offsets like
every other record (see ARCHITECTURE.md). What cannot be located is reported as an
``Unlocated`` row with its reason, never dropped silently.

Locating is tolerant: both texts are reduced to their letters and digits (case-folded,
accents dropped), so whitespace, punctuation, quotes and speaker labels do not matter, and
offsets are mapped back through the reduction. A segment whose text was edited in the
middle is still found when its first and last 24 letters are (``exact=False``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.records import Transcript
from pipeline.quality.gold.base import Gold, GoldSpan, Unlocated

ANCHOR = 24
"""Letters at each end of a segment that must match when its exact text is not found."""


def _reduce(text: str, offset: int = 0) -> tuple[str, list[int]]:
    """Letters and digits of ``text``, case-folded, accents dropped; and each one's code point offset."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if not ch.isalnum():
            continue
        for part in unicodedata.normalize("NFKD", ch.casefold()):
            if part.isalnum():
                chars.append(part)
                where.append(offset + i)
    return "".join(chars), where


class TranscriptIndex:
    """One transcript reduced for searching: its turns' text without speaker labels; then with
    the labels a segment quotes (``MODERATOR:``); then the whole text."""

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        chars, where = [], []
        for turn in transcript.turns:
            c, w = _reduce(turn.text, turn.start)
            chars.append(c)
            where.extend(w)
        self.turns_text, self.turns_where = "".join(chars), where
        self.full_text, self.full_where = _reduce(transcript.text)

    def _haystacks(self, needle: str):
        yield self.turns_text, self.turns_where
        # A segment that runs across turns may quote some speakers' labels ("MODERATOR:")
        # and not others ("Respondent:", added by ingest): keep only the labels it quotes.
        labels = {t.speaker for t in self.transcript.turns}
        quoted = {label for label in labels if (r := _reduce(label)[0]) and r in needle}
        if quoted:
            chars, where = [], []
            for turn in self.transcript.turns:
                if turn.speaker in quoted:
                    label_start = self.transcript.text.rfind(turn.speaker, 0, turn.start)
                    if label_start >= 0:
                        c, w = _reduce(turn.speaker, label_start)
                        chars.append(c)
                        where.extend(w)
                c, w = _reduce(turn.text, turn.start)
                chars.append(c)
                where.extend(w)
            yield "".join(chars), where
        yield self.full_text, self.full_where

    def locate(self, content: str, *, near: float | None = None, after: int = 0) -> tuple[int, int, bool] | None:
        """``(start, end, exact)`` of ``content`` in the transcript, or ``None``.

        Among several occurrences: the one nearest ``near`` (a fraction of the text), else
        the first starting at or after code point ``after``, else the first.
        """
        needle, _ = _reduce(content)
        if not needle:
            return None
        found = self._find(needle, near, after)
        if found is None:
            return None
        start, end, exact = found
        # The reduction drops punctuation at the ends; take back as much of it as the segment has.
        text = self.transcript.text
        stripped = content.strip()
        lead = len(stripped) - len(stripped.lstrip("".join(c for c in stripped if not c.isalnum())))
        trail = len(stripped) - len(stripped.rstrip("".join(c for c in stripped if not c.isalnum())))
        while lead and start > 0 and not text[start - 1].isalnum() and not text[start - 1].isspace():
            start, lead = start - 1, lead - 1
        while trail and end < len(text) and not text[end].isalnum() and not text[end].isspace():
            end, trail = end + 1, trail - 1
        return start, end, exact

    def _find(self, needle: str, near: float | None, after: int) -> tuple[int, int, bool] | None:
        for hay, where in self._haystacks(needle):
            starts = _occurrences(hay, needle)
            if starts:
                p = _choose(starts, where, near, after, len(hay))
                return where[p], where[p + len(needle) - 1] + 1, True
        if len(needle) < 3 * ANCHOR:
            return None
        head, tail = needle[:ANCHOR], needle[-ANCHOR:]
        for hay, where in self._haystacks(needle):
            candidates = []
            for p in _occurrences(hay, head):
                q = hay.find(tail, p + ANCHOR, p + int(1.5 * len(needle)) + 1)
                if q >= 0 and q + ANCHOR - p >= 0.6 * len(needle):
                    candidates.append((p, q))
            if candidates:
                p = _choose([p for p, _ in candidates], where, near, after, len(hay))
                q = dict(candidates)[p]
                return where[p], where[q + ANCHOR - 1] + 1, False
        return None


def _occurrences(hay: str, needle: str) -> list[int]:
    out, i = [], hay.find(needle)
    while i >= 0:
        out.append(i)
        i = hay.find(needle, i + 1)
    return out


def _choose(starts: list[int], where: list[int], near: float | None, after: int, size: int) -> int:
    if near is not None:
        target = near * size
        return min(starts, key=lambda p: abs(p - target))
    for p in starts:
        if where[p] >= after:
            return p
    return starts[0]


def _document_key(name: str) -> str:
    stem = Path(name.strip().replace("\\", "/")).name
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", stem)
    return re.sub(r"[^0-9a-z]+", "", stem.casefold())


class TranscriptFinder:
    """Find the transcript a coder's document name means: by file name, stem, id or slug."""

    def __init__(self, transcripts: Sequence[Transcript]) -> None:
        self.by_key: dict[str, Transcript] = {}
        for t in transcripts:
            for name in (t.meta.file, Path(t.source_path).name, t.id):
                self.by_key.setdefault(_document_key(name), t)
        self._indexes: dict[str, TranscriptIndex] = {}

    def find(self, document: str) -> Transcript | None:
        return self.by_key.get(_document_key(document))

    def index(self, transcript: Transcript) -> TranscriptIndex:
        if transcript.id not in self._indexes:
            self._indexes[transcript.id] = TranscriptIndex(transcript)
        return self._indexes[transcript.id]


@dataclass
class Segment:
    """A coded segment as a loader read it, before it is located; ``near``: where in the
    coder's text it sat (a fraction), to choose among repeated occurrences."""

    document: str
    codes: list[str]
    content: str
    source: str
    near: float | None = None


def locate_all(name: str, segments: Sequence[Segment], transcripts: Sequence[Transcript],
               notes: Sequence[str] = ()) -> Gold:
    """Gold of ``segments`` located in ``transcripts`` (segments at one span merge into one
    multi-label span); the others as ``Unlocated`` with the reason."""
    finder = TranscriptFinder(transcripts)
    merged: dict[tuple[str, int, int], GoldSpan] = {}
    unlocated: list[Unlocated] = []
    cursor: dict[str, int] = {}
    for seg in segments:
        codes = tuple(dict.fromkeys(seg.codes))
        transcript = finder.find(seg.document)
        if transcript is None:
            unlocated.append(Unlocated(seg.document, codes, seg.content, seg.source,
                                       "no transcript of the corpus has this document name"))
            continue
        found = finder.index(transcript).locate(seg.content, near=seg.near, after=cursor.get(transcript.id, 0))
        if found is None:
            unlocated.append(Unlocated(seg.document, codes, seg.content, seg.source,
                                       f"text not found in transcript {transcript.id!r}"))
            continue
        start, end, exact = found
        cursor[transcript.id] = start
        key = (transcript.id, start, end)
        if key in merged:
            old = merged[key]
            merged[key] = replace(old, codes=old.codes | frozenset(codes), exact=old.exact and exact)
        else:
            merged[key] = GoldSpan(transcript.id, start, end, frozenset(codes), transcript.text[start:end],
                                   seg.source, exact)
    spans = tuple(sorted(merged.values(), key=lambda s: (s.transcript_id, s.start, s.end)))
    return Gold(name, spans, tuple(unlocated), len(segments), notes=tuple(notes))


def gold_from_texts(name: str, rows: Iterable[tuple[str, Iterable[str], str]],
                    transcripts: Sequence[Transcript]) -> Gold:
    """Gold from ``(document, codes, content)`` triples (for tests and notebooks)."""
    segments = [Segment(doc, list(codes), content, f"{name} item {i + 1}") for i, (doc, codes, content) in
                enumerate(rows)]
    return locate_all(name, segments, transcripts)


__all__ = ["ANCHOR", "Segment", "TranscriptFinder", "TranscriptIndex", "gold_from_texts", "locate_all"]
