"""Human codes ("gold") located in our transcripts.

Coders code in their own tool, on their own copy of the text, so a human-coded segment
never comes with our offsets. Every loader here ends the same way: a segment's text is
*located* in ``Transcript.text`` and becomes a ``GoldSpan`` with code-point offsets like
every other record (see ARCHITECTURE.md). What cannot be located is reported as an
``Unlocated`` row with its reason, never dropped silently.

Sources:

* a CSV ``document, tag, content`` (optional ``id`` column: rows sharing an id, or the
  same document and located span, are one multi-label segment);
* a Taguette SQLite database (``documents``, ``highlights``, ``tags``,
  ``highlight_tags``): a highlight's ``start_offset``/``end_offset`` count into the text of
  the document's HTML ``contents`` with the tags stripped and entities decoded. Taguette
  counts UTF-8 bytes; the unit is checked against the stored snippets rather than assumed;
* a REFI-QDA project (``.qdpx``), through a loader the exchange package registers with
  ``register_gold_loader``;
* the store's decisions of one coder (``decisions_gold``), for human-vs-human agreement.

Locating is tolerant: both texts are reduced to their letters and digits (case-folded,
accents dropped), so whitespace, punctuation, quotes and speaker labels do not matter, and
offsets are mapped back through the reduction. A segment whose text was edited in the
middle is still found when its first and last 24 letters are (``exact=False``).
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

from pipeline.errors import InvalidInput
from pipeline.records import Codebook, Transcript

ANCHOR = 24
"""Letters at each end of a segment that must match when its exact text is not found."""


@dataclass(frozen=True)
class GoldSpan:
    """A human-coded span of one transcript; ``codes`` may be empty ("looked at, nothing applies")."""

    transcript_id: str
    start: int
    end: int
    codes: frozenset[str]
    text: str
    """``transcript.text[start:end]`` (our text, not the coder's copy)."""
    source: str
    """Where it came from, for messages: ``tags.csv line 12``, ``taguette highlight 7``."""
    exact: bool = True
    """False when only the segment's two ends were found (its middle differs from our text)."""
    unit_id: str | None = None
    """The excerpt a coder decided on, for spans that come from the store."""


@dataclass(frozen=True)
class Unlocated:
    """A coded segment that could not be placed in any transcript, and why."""

    document: str
    codes: tuple[str, ...]
    content: str
    source: str
    why: str


@dataclass(frozen=True)
class Gold:
    """Human codes of one coder (or one file), located in our transcripts."""

    name: str
    spans: tuple[GoldSpan, ...]
    unlocated: tuple[Unlocated, ...] = ()
    segments_read: int = 0
    """Coded segments in the source (after merging the rows of one multi-label segment)."""
    unknown_codes: Mapping[str, int] = field(default_factory=dict)
    """Codes not in the codebook and how many segments carried them (set by ``check_gold_codes``)."""
    notes: tuple[str, ...] = ()

    @property
    def transcript_ids(self) -> frozenset[str]:
        return frozenset(s.transcript_id for s in self.spans)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(c for s in self.spans for c in s.codes)

    @property
    def located_share(self) -> float:
        return len(self.spans) / self.segments_read if self.segments_read else 0.0

    def only(self, transcript_ids: Iterable[str]) -> "Gold":
        keep = set(transcript_ids)
        return replace(self, spans=tuple(s for s in self.spans if s.transcript_id in keep))

    def without(self, transcript_ids: Iterable[str]) -> "Gold":
        drop = set(transcript_ids)
        return replace(self, spans=tuple(s for s in self.spans if s.transcript_id not in drop))

    def summary(self) -> dict:
        return {
            "name": self.name,
            "segments_read": self.segments_read,
            "located": len(self.spans),
            "located_share": round(self.located_share, 4),
            "located_approximately": sum(1 for s in self.spans if not s.exact),
            "unlocated": [{"document": u.document, "codes": list(u.codes), "content": u.content,
                           "source": u.source, "why": u.why} for u in self.unlocated],
            "unknown_codes": dict(self.unknown_codes),
            "codes": sorted(self.codes),
            "documents": sorted(self.transcript_ids),
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------------------
# Locating text
# --------------------------------------------------------------------------------------


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
class _Segment:
    document: str
    codes: list[str]
    content: str
    source: str
    near: float | None = None


def _locate_all(name: str, segments: Sequence[_Segment], transcripts: Sequence[Transcript],
                notes: Sequence[str] = ()) -> Gold:
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


# --------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------


def load_gold_csv(path: str | Path, transcripts: Sequence[Transcript]) -> Gold:
    """Gold from a CSV with the columns ``document, tag, content`` (``id`` optional)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(path.name, "gold file not found") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(path.name, f"not UTF-8 text (byte {exc.start}); export the CSV as UTF-8") from None
    first_line = text.splitlines()[0] if text.strip() else ""
    delimiter = max((",", ";", "\t"), key=first_line.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip().casefold() for h in next(rows, [])]
        if not any(header):
            raise InvalidInput(path.name, "the gold file is empty: no coded segments to compare with")
        missing = [c for c in ("document", "tag", "content") if c not in header]
        if missing:
            raise InvalidInput(path.name, f"no {', '.join(repr(c) for c in missing)} column "
                                          f"(the header is {','.join(header)!r}; expected document,tag,content)",
                               where="line 1")
        at = {c: header.index(c) for c in ("document", "tag", "content")}
        id_at = header.index("id") if "id" in header else None
        segments: dict[tuple, _Segment] = {}
        for cells in rows:
            if not any(c.strip() for c in cells):
                continue
            cells = cells + [""] * (len(header) - len(cells))
            document, tag, content = (cells[at[c]].strip() for c in ("document", "tag", "content"))
            where = f"{path.name} line {rows.line_num}"
            if not tag:
                raise InvalidInput(path.name, "a coded segment has no tag", where=f"line {rows.line_num}")
            row_id = cells[id_at].strip() if id_at is not None else ""
            key = (document, "id", row_id) if row_id else (document, "content", content)
            seg = segments.get(key)
            if seg is None:
                segments[key] = _Segment(document, [unicodedata.normalize("NFC", tag)], content, where)
            else:
                seg.codes.append(unicodedata.normalize("NFC", tag))
    except csv.Error as exc:
        raise InvalidInput(path.name, f"not a readable CSV: {exc}", where=f"line {rows.line_num}") from None
    if not segments:
        raise InvalidInput(path.name, "the gold file has a header but no coded segments")
    return _locate_all(path.name, list(segments.values()), transcripts)


# --------------------------------------------------------------------------------------
# Taguette
# --------------------------------------------------------------------------------------


class _TextOf(HTMLParser):
    """The text content of an HTML fragment (entities decoded), as Taguette counts it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(fragment: str) -> str:
    parser = _TextOf()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts)


OFFSET_UNITS: dict[str, Callable[[str], Callable[[int], int]]] = {}
"""Offset unit name → given the plain text, a function from an offset to a code point index."""


def _unit(name: str):
    def decorate(fn):
        OFFSET_UNITS[name] = fn
        return fn
    return decorate


@_unit("utf-8 bytes")
def _utf8(text: str) -> Callable[[int], int]:
    ends = []
    total = 0
    for ch in text:
        total += len(ch.encode("utf-8"))
        ends.append(total)
    # byte offset b -> number of whole characters before it
    return lambda b: bisect_left(ends, b + 1) if b > 0 else 0


@_unit("code points")
def _code_points(text: str) -> Callable[[int], int]:
    return lambda i: i


@_unit("utf-16 units")
def _utf16(text: str) -> Callable[[int], int]:
    ends = []
    total = 0
    for ch in text:
        total += 2 if ord(ch) > 0xFFFF else 1
        ends.append(total)
    return lambda u: bisect_left(ends, u + 1) if u > 0 else 0


def taguette_offset_unit(plain: str, highlights: Sequence[tuple[int, int, str]]) -> str:
    """The offset unit under which most highlights' stored snippets equal the text they point at."""
    def matches(unit: str) -> int:
        to_cp = OFFSET_UNITS[unit](plain)
        return sum(1 for s, e, snippet in highlights
                   if " ".join(plain[to_cp(s):to_cp(e)].split()) == " ".join(html_text(snippet).split()))
    scores = {unit: matches(unit) for unit in OFFSET_UNITS}
    best = max(scores.values())
    # Ties (pure ASCII text) go to bytes, Taguette's own unit.
    return next(u for u in OFFSET_UNITS if scores[u] == best)


def load_gold_taguette(path: str | Path, transcripts: Sequence[Transcript]) -> Gold:
    """Gold from a Taguette database: every highlight with its tags, located in our transcripts."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(path.name, "gold file not found")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise InvalidInput(path.name, f"cannot open it as SQLite: {exc}") from None
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        needed = {"documents", "highlights", "tags", "highlight_tags"}
        if not needed <= tables:
            raise InvalidInput(path.name, f"not a Taguette database (no table {', '.join(sorted(needed - tables))})")
        documents = {i: (name, filename, contents) for i, name, filename, contents in
                     con.execute("SELECT id, name, filename, contents FROM documents")}
        highlights = con.execute(
            "SELECT h.id, h.document_id, h.start_offset, h.end_offset, h.snippet, t.path "
            "FROM highlights h LEFT JOIN highlight_tags ht ON ht.highlight_id = h.id "
            "LEFT JOIN tags t ON t.id = ht.tag_id ORDER BY h.document_id, h.start_offset, h.id").fetchall()
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(path.name, f"not a readable Taguette database: {exc}") from None
    finally:
        con.close()
    if not highlights:
        raise InvalidInput(path.name, "the Taguette database has no highlights: no coded segments to compare with")

    by_highlight: dict[int, tuple[int, int, int, str, list[str]]] = {}
    for hid, doc, start, end, snippet, tag in highlights:
        entry = by_highlight.setdefault(hid, (doc, start, end, snippet, []))
        if tag:
            entry[4].append(tag)

    segments: list[_Segment] = []
    notes: list[str] = []
    finder = TranscriptFinder(transcripts)
    for doc_id, (name, filename, contents) in documents.items():
        mine = [(hid, h) for hid, h in by_highlight.items() if h[0] == doc_id]
        if not mine:
            continue
        plain = html_text(contents)
        unit = taguette_offset_unit(plain, [(h[1], h[2], h[3]) for _, h in mine])
        to_cp = OFFSET_UNITS[unit](plain)
        notes.append(f"document {name!r}: offsets counted in {unit}")
        document = name if finder.find(name) is not None or finder.find(filename) is None else filename
        for hid, (_, start, end, snippet, tags) in mine:
            a, b = to_cp(start), to_cp(end)
            text = plain[a:b] if 0 <= a < b <= len(plain) else html_text(snippet)
            seg = _Segment(document, tags, text, f"{path.name} highlight {hid}",
                           near=(a + b) / 2 / max(len(plain), 1))
            if not tags:
                notes.append(f"highlight {hid} has no tag (read as 'nothing applies')")
            segments.append(seg)
    return _locate_all(path.name, segments, transcripts, notes)


# --------------------------------------------------------------------------------------
# Choosing a loader; checks against the codebook
# --------------------------------------------------------------------------------------

GoldLoader = Callable[[Path, Sequence[Transcript]], Gold]
_LOADERS: dict[str, GoldLoader] = {
    ".csv": load_gold_csv,
    ".sqlite3": load_gold_taguette,
    ".sqlite": load_gold_taguette,
    ".db": load_gold_taguette,
}
_PLUGIN_MODULES = {".qdpx": "pipeline.exchange"}
"""Formats whose loader another package registers on import (REFI-QDA: the exchange package)."""


def register_gold_loader(suffix: str) -> Callable[[GoldLoader], GoldLoader]:
    """Register a gold loader for a file suffix (the exchange package does so for ``.qdpx``)."""
    def decorate(loader: GoldLoader) -> GoldLoader:
        _LOADERS[suffix.lower()] = loader
        return loader
    return decorate


def load_gold(path: str | Path, transcripts: Sequence[Transcript]) -> Gold:
    """Gold from any supported file, chosen by suffix; an empty result is an error."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _LOADERS and suffix in _PLUGIN_MODULES:
        import importlib

        try:
            importlib.import_module(_PLUGIN_MODULES[suffix])
        except ImportError:
            pass
    loader = _LOADERS.get(suffix)
    if loader is None:
        hint = " (REFI-QDA import is not available in this installation)" if suffix == ".qdpx" else ""
        raise InvalidInput(path.name, f"unknown gold format {suffix!r}{hint}; use "
                                      f"{', '.join(sorted(_LOADERS))}")
    gold = loader(path, transcripts)
    if gold.segments_read == 0:
        raise InvalidInput(path.name, "the gold file has no coded segments")
    if not gold.spans:
        shown = "; ".join(f"{u.document}: {u.why}" for u in gold.unlocated[:3])
        raise InvalidInput(path.name, f"none of its {gold.segments_read} coded segments could be located in "
                                      f"the corpus ({shown})")
    return gold


def check_gold_codes(gold: Gold, codebook: Codebook, *, on_unknown: str = "error") -> Gold:
    """Gold whose codes are all in ``codebook``.

    ``on_unknown="error"`` raises ``InvalidInput`` listing every unknown code with its
    count; ``"warn"`` removes them and records them in ``Gold.unknown_codes`` (the report
    and the console show them).
    """
    known = {c.name for c in codebook.codes}
    unknown: dict[str, int] = {}
    for s in gold.spans:
        for c in s.codes - known:
            unknown[c] = unknown.get(c, 0) + 1
    for u in gold.unlocated:
        for c in set(u.codes) - known:
            unknown[c] = unknown.get(c, 0) + 1
    if not unknown:
        return gold
    listing = ", ".join(f"{c!r} ({n})" for c, n in sorted(unknown.items()))
    if on_unknown == "error":
        raise InvalidInput(gold.name, f"{len(unknown)} code(s) are not in codebook {codebook.id}: {listing}")
    spans = tuple(replace(s, codes=s.codes & known) for s in gold.spans)
    return replace(gold, spans=spans, unknown_codes=dict(sorted(unknown.items())))


def gold_with_parents(gold: Gold, codebook: Codebook) -> Gold:
    """A span coded with a sub-code is also coded with its parent (and theirs)."""
    return replace(gold, spans=tuple(replace(s, codes=codebook.with_parents(s.codes)) for s in gold.spans))


# --------------------------------------------------------------------------------------
# The store: one coder's decisions
# --------------------------------------------------------------------------------------


def decisions_gold(store, username: str, *, run_id: str | None = None,
                   sources: Sequence[str] | None = None, reconciled: bool = False) -> Gold:
    """One coder's current codes from the append-only ``decisions`` table, as gold.

    A decision's ``codes`` is the code set *after* it, so the latest decision per unit is
    the coder's current view. The unit is the excerpt, or the hand-coded span
    (``start``/``end``) for a decision that codes one; an ``undo`` belongs to the unit of the
    decision it undoes. An empty set (every suggestion rejected) is kept: the coder looked
    at the excerpt and no code applies.

    ``reconciled`` (gold for evaluation): on an excerpt of this coder's that an admin
    reconciled, the agreed codes replace the coder's own, whole excerpt and spans
    (``pipeline.quality.precedence``). Without it (agreement between coders) the coder's own.
    """
    from pipeline.store.repository import Repository

    repo = Repository(store)
    current = repo.current_codes(coder=username, run_id=run_id, sources=sources)
    if reconciled and current:
        from pipeline.quality.precedence import RECONCILED
        from pipeline.store.codings import prevailing

        mine = {c.excerpt_id for c in current.values()}
        agreed = {c.excerpt_id: c for c in prevailing(repo.current_codes(mine, run_id=run_id)).values()
                  if c.source == RECONCILED}
        if agreed:  # the agreed codes stand for the excerpt, in place of the coder's own units on it
            current = {k: c for k, c in current.items() if c.excerpt_id not in agreed}
            current.update({(None, e, None, None): c for e, c in agreed.items()})
    excerpts = repo.excerpts({c.excerpt_id for c in current.values()})
    texts = repo.transcript_texts({e.transcript_id for e in excerpts.values()})
    spans = []
    for c in current.values():
        e = excerpts[c.excerpt_id]
        a, b = (c.start, c.end) if c.start is not None and c.end is not None else (e.start, e.end)
        spans.append(GoldSpan(e.transcript_id, a, b, frozenset(c.codes), texts[e.transcript_id][a:b],
                              f"decision {c.decision_id}", True, c.excerpt_id if c.start is None else None))
    spans.sort(key=lambda s: (s.transcript_id, s.start, s.end))
    return Gold(f"decisions of {username}", tuple(spans), (), len(spans))


def gold_from_texts(name: str, rows: Iterable[tuple[str, Iterable[str], str]],
                    transcripts: Sequence[Transcript]) -> Gold:
    """Gold from ``(document, codes, content)`` triples (for tests and notebooks)."""
    segments = [_Segment(doc, list(codes), content, f"{name} item {i + 1}") for i, (doc, codes, content) in
                enumerate(rows)]
    return _locate_all(name, segments, transcripts)


__all__ = [
    "Gold", "GoldSpan", "Unlocated", "TranscriptIndex", "TranscriptFinder", "check_gold_codes", "decisions_gold",
    "gold_from_texts", "gold_with_parents", "html_text", "load_gold", "load_gold_csv", "load_gold_taguette",
    "register_gold_loader", "taguette_offset_unit",
]
