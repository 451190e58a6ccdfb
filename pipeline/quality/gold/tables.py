"""Gold from a CSV ``document, tag, content`` (optional ``id`` column: rows sharing an id, or
the same document and located span, are one multi-label segment)."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import InvalidInput
from pipeline.records import Transcript
from pipeline.quality.gold.base import Gold
from pipeline.quality.gold.locate import Segment, locate_all


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
        segments: dict[tuple, Segment] = {}
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
                segments[key] = Segment(document, [unicodedata.normalize("NFC", tag)], content, where)
            else:
                seg.codes.append(unicodedata.normalize("NFC", tag))
    except csv.Error as exc:
        raise InvalidInput(path.name, f"not a readable CSV: {exc}", where=f"line {rows.line_num}") from None
    if not segments:
        raise InvalidInput(path.name, "the gold file has a header but no coded segments")
    return locate_all(path.name, list(segments.values()), transcripts)


__all__ = ["load_gold_csv"]
