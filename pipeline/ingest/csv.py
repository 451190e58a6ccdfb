"""Turn tables (``.csv``): one row per turn.

Columns (header names are case-insensitive): ``speaker`` and ``text`` (or ``utterance``)
are required; ``role`` (``interviewer``, ``respondent`` or ``other``), ``start`` and
``end`` (seconds, or ``[HH:]MM:SS[.mmm]``) are optional; other columns are ignored. The
delimiter is whichever of ``,``, ``;`` and tab the header line uses most (spreadsheets in
Italian, Dutch and Hungarian locales write ``;``). Row numbers in errors count the header
as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipeline.errors import InvalidInput
from pipeline.ingest.base import register_reader
from pipeline.ingest.cues import parse_timestamp
from pipeline.ingest.encoding import read_text
from pipeline.records import RawTranscript, RawTurn

ROLES = ("interviewer", "respondent", "other")
_TEXT_COLUMNS = ("text", "utterance")


def sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_table(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]], str]:
    """Header (lower-cased, stripped), ``(row number, {column: value})`` rows, encoding.

    Shared with the manifest. Blank rows are skipped; a header naming a column twice, or a
    row with more cells than the header has columns, is an ``InvalidInput``."""
    text, encoding = read_text(path)
    first = text.lstrip("\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(first))
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in cells]
                duplicates = sorted({c for c in header if c and header.count(c) > 1})
                if duplicates:
                    raise InvalidInput(path, f"column {duplicates[0]!r} appears twice in the header",
                                       where="row 1")
                continue
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                raise InvalidInput(path, f"{len(cells)} cells but the header has {len(header)} columns",
                                   where=f"row {reader.line_num}")
            rows.append((reader.line_num, {
                column: cells[i].strip() if i < len(cells) else ""
                for i, column in enumerate(header) if column
            }))
    except csv.Error as err:
        raise InvalidInput(path, f"malformed CSV ({err})", where=f"row {reader.line_num}") from err
    if header is None:
        raise InvalidInput(path, "empty file")
    return header, rows, encoding


class CsvReader:
    format = "csv"
    suffixes = (".csv",)

    def read(self, path: Path) -> RawTranscript:
        header, rows, encoding = read_table(path)
        if "speaker" not in header:
            raise InvalidInput(path, f"missing required column 'speaker' (columns: {', '.join(header)})",
                               where="header")
        text_column = next((c for c in _TEXT_COLUMNS if c in header), None)
        if text_column is None:
            raise InvalidInput(path, f"missing required column 'text' (or 'utterance') "
                               f"(columns: {', '.join(header)})", where="header")
        turns = []
        for number, row in rows:
            text = row[text_column]
            if not text:
                continue
            role = row.get("role", "").lower() or None
            if role is not None and role not in ROLES:
                raise InvalidInput(path, f"role {row['role']!r} is not one of {', '.join(ROLES)}",
                                   where=f"row {number}, column 'role'")
            times = {}
            for column in ("start", "end"):
                value = row.get(column, "")
                times[column] = parse_timestamp(value) if value else None
                if value and times[column] is None:
                    raise InvalidInput(path, f"{value!r} is not a time (seconds or HH:MM:SS.mmm)",
                                       where=f"row {number}, column {column!r}")
            turns.append(RawTurn(text=text, speaker=row["speaker"] or None, role=role,
                                 time_start=times["start"], time_end=times["end"]))
        if not turns:
            raise InvalidInput(path, "no turns found (no row has text)")
        return RawTranscript(path=str(path), format=self.format, encoding=encoding, turns=tuple(turns))


register_reader(CsvReader())
