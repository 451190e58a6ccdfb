"""Importing a codebook as qualitative-analysis tools export it: a CSV of tags.

Taguette (and studies that keep their codebook in a spreadsheet) export one row per tag
with the header ``tag,description``; further columns such as ``number of highlights`` are
ignored. A tag becomes a code whose name *and* label are the tag itself (stripped), so
coded segments exported by the same tool match the codes by name. ``/`` or `` > `` in a
tag nests it under the tag before the last separator.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from typing import Any

from pipeline.codebook.checks import check_codes, clean_text
from pipeline.errors import InvalidCodebook
from pipeline.records import Code, Codebook

log = logging.getLogger(__name__)

NESTING = re.compile(r"/|\s+>\s+")
_DELIMITERS = (",", ";", "\t")


def parse_csv_codebook(data: bytes, source: str, name: str) -> Codebook:
    """Build a ``Codebook`` called ``name`` from the bytes of a tag CSV.

    The version is ``csv-`` and the first 8 hex digits of the file's sha256, so two
    different exports of a codebook never share a version.

    A tag without a description is imported (real exports have many, and the tag itself
    still says something) but logged as a warning: the zero-shot mapper then has only the
    label to go on.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidCodebook(
            source, None, None, f"not UTF-8 text (byte {exc.start}); export the CSV as UTF-8"
        ) from None
    if not text.strip():
        raise InvalidCodebook(source, None, None, "the file is empty")

    # strict: an unclosed quote is an error, not a description that swallows the rest of the file.
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        codes = _read_rows(source, rows)
    except csv.Error as exc:
        raise InvalidCodebook(source, None, None, f"line {rows.line_num}: {exc}") from None
    if not codes:
        raise InvalidCodebook(source, None, None, "a header but no tags")

    ordered = _with_missing_parents(source, list(codes.values()))
    if blank := [c.name for c in ordered if not c.description]:
        shown = ", ".join(repr(n) for n in blank[:5]) + (", ..." if len(blank) > 5 else "")
        log.warning("%s: %d of %d codes have no description: %s", source, len(blank), len(ordered), shown)
    check_codes(source, ordered, {})
    sha256 = hashlib.sha256(data).hexdigest()
    return Codebook(name=name, version=f"csv-{sha256[:8]}", codes=tuple(ordered), sha256=sha256, source=source)


def _read_rows(source: str, rows: Any) -> dict[str, Code]:
    """Codes by tag, in file order; ``rows`` is a ``csv.reader`` (for its ``line_num``)."""
    first = next((cells for cells in rows if any(cell.strip() for cell in cells)), None)
    if first is None:
        raise InvalidCodebook(source, None, None, "the file is empty")
    header = [cell.strip().casefold() for cell in first]
    for column in ("tag", "description"):
        if column not in header:
            found = ",".join(header)
            raise InvalidCodebook(source, None, column, f"no {column!r} column (the header is {found!r})")
        if header.count(column) > 1:
            raise InvalidCodebook(source, None, column, f"the header has two {column!r} columns")
    tag_at, description_at = header.index("tag"), header.index("description")

    codes: dict[str, Code] = {}
    line_of: dict[str, int] = {}
    for cells in rows:
        line = rows.line_num
        if not any(cell.strip() for cell in cells):
            continue
        # Hand-written CSVs often leave out the commas of empty trailing cells.
        cells = cells + [""] * (len(header) - len(cells))
        tag = clean_text(cells[tag_at])
        if not tag:
            raise InvalidCodebook(source, None, "tag", f"line {line} has no tag")
        if tag in codes:
            raise InvalidCodebook(source, tag, "tag", f"line {line} repeats the tag of line {line_of[tag]}")
        parent = _parent(source, tag)
        codes[tag] = Code(name=tag, label=tag, description=clean_text(cells[description_at]), parent=parent)
        line_of[tag] = line
    return codes


def _delimiter(text: str) -> str:
    # Spreadsheets set to Italian, Dutch or Greek export with ';'.
    first_line = text.strip().splitlines()[0]
    for delimiter in _DELIMITERS:
        cells = next(csv.reader([first_line], delimiter=delimiter))
        if "tag" in (cell.strip().casefold() for cell in cells):
            return delimiter
    return ","


def _parent(source: str, tag: str) -> str | None:
    separators = list(NESTING.finditer(tag))
    if not separators:
        return None
    last = separators[-1]
    parent, leaf = tag[: last.start()].strip(), tag[last.end() :].strip()
    if not parent or not leaf:
        raise InvalidCodebook(source, tag, "tag", "a nested tag needs a name on both sides of the separator")
    return parent


def _with_missing_parents(source: str, codes: list[Code]) -> list[Code]:
    """Insert a code for every ancestor a nested tag names but the file does not list.

    Exports often hold only the leaves (``trust/parents``, ``trust/safety``); the parent
    goes just before its first child.
    """
    known = {c.name for c in codes}
    ordered: list[Code] = []
    for code in codes:
        missing: list[Code] = []
        ancestor = code.parent
        while ancestor is not None and ancestor not in known:
            grand = _parent(source, ancestor)
            missing.append(Code(name=ancestor, label=ancestor, description="", parent=grand))
            known.add(ancestor)
            ancestor = grand
        ordered.extend(reversed(missing))
        ordered.append(code)
    return ordered
