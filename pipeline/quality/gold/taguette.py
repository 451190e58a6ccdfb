"""Gold from a Taguette SQLite database (``documents``, ``highlights``, ``tags``,
``highlight_tags``).

A highlight's ``start_offset``/``end_offset`` count into the text of the document's HTML
``contents`` with the tags stripped and entities decoded. Taguette counts UTF-8 bytes; the
unit is checked against the stored snippets rather than assumed.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_left
from collections.abc import Callable, Sequence
from html.parser import HTMLParser
from pathlib import Path

from pipeline.errors import InvalidInput
from pipeline.records import Transcript
from pipeline.quality.gold.base import Gold
from pipeline.quality.gold.locate import Segment, TranscriptFinder, locate_all


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

    segments: list[Segment] = []
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
            seg = Segment(document, tags, text, f"{path.name} highlight {hid}",
                           near=(a + b) / 2 / max(len(plain), 1))
            if not tags:
                notes.append(f"highlight {hid} has no tag (read as 'nothing applies')")
            segments.append(seg)
    return locate_all(path.name, segments, transcripts, notes)


__all__ = ["OFFSET_UNITS", "html_text", "load_gold_taguette", "taguette_offset_unit"]
