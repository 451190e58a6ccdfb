"""Matching a project's sources to stored transcripts, and placing its selections on their
excerpts (the rules: "Sources" and "Placement" in ``pipeline.exchange.importer``)."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.exchange.project import QdaSelection, QdaSource
from pipeline.store import imports

if TYPE_CHECKING:  # the rows the store hands back
    from pipeline.store.models import ExcerptRow

NO_TRANSCRIPT = "no stored transcript has this text"


def normalise_source(raw: str) -> tuple[str, list[int] | None]:
    """The transcript form of a source's text (``\\n`` line ends, NFC) and, when it differs
    from ``raw``, the position in it of every position of ``raw`` (``len(raw) + 1`` entries).

    Positions inside a line end or a combining sequence land at its start. ``None`` as map:
    identical texts. Raises ``ValueError`` when the two cannot be aligned (NFC joining
    characters across sequences, e.g. Hangul jamo), which leaves the source unmatched.
    """
    if "\r" not in raw and unicodedata.is_normalized("NFC", raw):
        return raw, None
    pieces, where, n, i = [], [0] * (len(raw) + 1), 0, 0
    while i < len(raw):
        if raw[i] == "\r":
            j = i + 2 if raw[i + 1 : i + 2] == "\n" else i + 1
            piece = "\n"
        else:
            j = i + 1
            while j < len(raw) and raw[j] != "\r" and unicodedata.combining(raw[j]):
                j += 1
            piece = unicodedata.normalize("NFC", raw[i:j])
        for k in range(i, j):
            where[k] = n
        pieces.append(piece)
        n += len(piece)
        i = j
    where[len(raw)] = n
    text = "".join(pieces)
    if text != unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n")):
        raise ValueError("its normalisation joins characters across sequences")
    return text, where


@dataclass
class MatchedSource:
    """A source matched to a transcript: ``where`` maps the source's positions to the
    transcript's (``None``: the same text); its excerpts in order."""

    transcript_id: str
    text: str
    where: list[int] | None
    excerpts: list[ExcerptRow]


class SourceMatching:
    """The import's sources (part of ``importer._Import``: uses its session ``s``, project
    ``p``, ``run`` and ``guid_to_transcript``)."""

    def match(self, source: QdaSource) -> MatchedSource | str:
        """The transcript a source is, or why none is."""
        if source.text is None:
            return source.why or "no plain text"
        try:
            text, where = normalise_source(source.text)
        except ValueError as exc:
            return f"its text cannot be aligned with a transcript: {exc}"
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        candidates = imports.transcripts_with_text_hash(self.s, sha)
        exported_as = self.guid_to_transcript.get(source.guid)
        if exported_as is not None and all(tid != exported_as for tid, _ in candidates):
            return (f"it was exported from transcript {exported_as}, whose text has changed since "
                    "(or it was edited in the other program); its positions would be wrong")
        candidates = [(tid, stored) for tid, stored in candidates if stored == text]
        if not candidates:
            return NO_TRANSCRIPT
        tid, stored = next((c for c in candidates if c[0] == exported_as), min(candidates))
        return MatchedSource(tid, stored, where, self.excerpts_of(tid, stored))

    def suggested(self, matched: dict) -> set[tuple[str, str]]:
        """(excerpt id, code) of every suggestion qualflow made on the matched transcripts."""
        if not hasattr(self, "_suggested"):
            self._suggested = imports.suggested_pairs(self.s, {src.transcript_id for src in matched.values()})
        return self._suggested

    def create_transcripts(self, fresh, matched: dict, unmatched: list) -> tuple[list[str], list[str]]:
        """Transcripts of a study made from sources no stored transcript has (``newstudy``)."""
        if not fresh:
            return [], []
        from pipeline.exchange.newstudy import ingest_sources

        taken = set(imports.transcript_ids(self.s))
        made, not_made, _ = ingest_sources(self.s, [(src, text) for src, text, _ in fresh], self.p, taken)
        unmatched.extend(not_made)
        raw_map = {src.guid: where for src, _, where in fresh}
        for t in made:
            first = raw_map[t.source_guid]  # archive text -> normalised text
            second = t.where  # normalised text -> the transcript's text
            if first is None:
                where = second
            else:
                where = first if second is None else [second[i] for i in first]
            matched[t.source_guid] = MatchedSource(t.transcript_id, t.text, where,
                                                   self.excerpts_of(t.transcript_id, t.text))
        return [t.transcript_id for t in made], [t.transcript_id for t in made if t.remapped]

    def excerpts_of(self, transcript_id: str, text: str) -> list[ExcerptRow]:
        """The transcript's excerpts (as the run saw them, if it did) that still match its text, in order."""
        found = imports.excerpts_in(self.s, transcript_id, self.run.id if self.run is not None else None)
        return sorted((e for e in found if text[e.start:e.end] == e.text), key=lambda e: (e.start, e.end))

    @staticmethod
    def place(selection: QdaSelection, source: MatchedSource) -> tuple[ExcerptRow, int | None, int | None, str] | None:
        start, end = selection.start, selection.end
        if source.where is not None:
            start, end = source.where[start], source.where[end]
        best, best_key = None, None
        for e in source.excerpts:
            if (e.start, e.end) == (start, end):
                return e, None, None, "excerpt"
            overlap = min(end, e.end) - max(start, e.start)
            if overlap > 0:
                key = (-overlap, e.end - e.start, e.start)
                if best_key is None or key < best_key:
                    best, best_key = e, key
        if best is not None:
            return best, start, end, "overlap"
        if not source.excerpts:
            return None
        nearest = min(source.excerpts, key=lambda e: (max(e.start - end, start - e.end, 0), e.start))
        return nearest, start, end, "nearest"
