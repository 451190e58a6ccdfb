"""A survey export (CSV or XLSX, one row per respondent) read against its ``survey.yaml``.

CSV goes through the manifest's table reader (encoding and delimiter detected); XLSX
through openpyxl (values, not formulas; whole-number cells as integers). Row numbers are
those a spreadsheet shows (the header is row 1).

A column ``survey.yaml`` names that the export lacks stops the run (``InvalidInput`` naming
the column): every row would be wrong the same way. A row with a missing or repeated
respondent id, or a closed answer that is not on its item's scale or options, is
quarantined (its problems named by row and column) and the other rows go on.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import InvalidInput
from pipeline.records import Quarantined
from pipeline.survey.schema import SurveyConfig, SurveyItem, load_survey_config

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class Respondent:
    id: str
    row: int
    attributes: dict[str, str]
    closed: dict[str, int | str]
    """Item column -> the answer: a likert point, ``"yes"``/``"no"``, or a choice option. Missing answers are absent."""
    open: dict[str, str]
    """Item column -> the open answer's text. Empty answers are absent."""


@dataclass(frozen=True)
class Survey:
    path: Path
    """The ``survey.yaml``."""
    data_path: Path
    config: SurveyConfig
    respondents: tuple[Respondent, ...]
    quarantined: tuple[Quarantined, ...] = field(default=())

    @property
    def city_of(self) -> dict[str, str]:
        return {r.id: r.attributes.get("city") or "unknown" for r in self.respondents}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value).strip()


def read_xlsx(path: Path, sheet: str | None = None) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header (lower-cased) and ``(row number, {column: text})`` rows of one sheet."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise InvalidInput(path, f"not a readable .xlsx workbook ({err})") from err
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise InvalidInput(path, f"no sheet {sheet!r} (sheets: {', '.join(workbook.sheetnames)})")
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple[int, dict[str, str]]] = []
        for number, values in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if not any(cells):
                continue
            if header is None:
                header = [c.lower() for c in cells]
                duplicates = sorted({c for c in header if c and header.count(c) > 1})
                if duplicates:
                    raise InvalidInput(path, f"column {duplicates[0]!r} appears twice in the header",
                                       where=f"row {number}")
                continue
            rows.append((number, {c: cells[i] if i < len(cells) else "" for i, c in enumerate(header) if c}))
    finally:
        workbook.close()
    if header is None:
        raise InvalidInput(path, "empty sheet")
    return header, rows


def read_export(path: Path, sheet: str | None = None) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    if not path.is_file():
        raise InvalidInput(path, "survey export not found (named by survey.yaml, field 'file')")
    if path.suffix.lower() == ".xlsx":
        return read_xlsx(path, sheet)
    from pipeline.ingest.csv import read_table

    header, rows, _ = read_table(path)
    return header, rows


def _answer(item: SurveyItem, value: str) -> int | str:
    """The answer a closed cell gives; ``ValueError`` saying why it is not one."""
    folded = value.casefold()
    if item.kind == "likert":
        try:
            point = int(float(value))
            if float(value) == point and point in item.scale:
                return point
        except ValueError:
            pass
        for point, label in item.scale.items():
            if label.casefold() == folded:
                return point
        low, high = min(item.scale), max(item.scale)
        raise ValueError(f"{value!r} is not on the scale ({low}-{high} or its labels)")
    if item.kind == "yes_no":
        if folded in (v.casefold() for v in item.yes_values):
            return "yes"
        if folded in (v.casefold() for v in item.no_values):
            return "no"
        raise ValueError(f"{value!r} is neither yes ({', '.join(item.yes_values[:4])}, ...) "
                         f"nor no ({', '.join(item.no_values[:4])}, ...)")
    for option in item.options:
        if option.casefold() == folded:
            return option
    raise ValueError(f"{value!r} is not one of the options ({', '.join(item.options)})")


def load_survey(path: Path) -> Survey:
    """Read ``survey.yaml`` and its export (see the module docstring)."""
    config = load_survey_config(path)
    data_path = path.parent / config.file
    header, rows = read_export(data_path, config.sheet)
    needed = [("id", config.id), *((f"attribute {n!r}", c) for n, c in config.attributes.items()),
              *((f"item {i.column!r}", i.column) for i in config.items)]
    for what, column in needed:
        if column not in header:
            raise InvalidInput(data_path, f"column {column!r} ({what} in survey.yaml) is not in the export "
                                          f"(columns: {', '.join(h for h in header if h)})",
                               where=f"row 1, column {column!r}")
    missing = {m.casefold() for m in config.missing}
    respondents: list[Respondent] = []
    quarantined: list[Quarantined] = []
    seen: dict[str, int] = {}
    for number, values in rows:
        problems: list[str] = []
        rid = values.get(config.id, "")
        if not rid or rid.casefold() in missing:
            problems.append(f"column {config.id!r}: missing respondent id")
        elif not _ID.fullmatch(rid):
            problems.append(f"column {config.id!r}: respondent id {rid!r} may only use letters, digits, "
                            "'_', '.' and '-' (at most 64)")
        elif rid in seen:
            problems.append(f"column {config.id!r}: respondent id {rid!r} is already used in row {seen[rid]}")
        closed: dict[str, int | str] = {}
        opened: dict[str, str] = {}
        for item in config.items:
            value = values.get(item.column, "")
            if value.casefold() in missing:
                continue
            if item.kind == "open":
                opened[item.column] = value
                continue
            try:
                closed[item.column] = _answer(item, value)
            except ValueError as err:
                problems.append(f"column {item.column!r}: {err}")
        if problems:
            more = f" (and {len(problems) - 1} more: {'; '.join(problems[1:])})" if len(problems) > 1 else ""
            quarantined.append(Quarantined(f"{config.file} row {number}", f"row {number}, {problems[0]}{more}"))
            continue
        seen[rid] = number
        attributes = {name: values.get(column, "") for name, column in config.attributes.items()
                      if values.get(column, "").casefold() not in missing}
        respondents.append(Respondent(rid, number, attributes, closed, opened))
    return Survey(path=path, data_path=data_path, config=config, respondents=tuple(respondents),
                  quarantined=tuple(quarantined))
