"""The corpus manifest, ``manifest.csv``: one row of metadata per interview.

Columns (header names are case-insensitive; ``,``, ``;`` or tab delimited):

=================  ======================================================================
``interview_id``   required, unique; letters, digits, ``_``, ``.``, ``-`` (at most 64)
``file``           required, unique; the transcript's path relative to the manifest's folder
``city``           optional
``country``        optional
``role``           optional; the study's categories are ``records.RESPONDENT_ROLES``
``date``           optional; ISO ``YYYY-MM-DD``
``language``       optional; one of the run's languages (ISO 639-1), else detected
``names``          optional; ``;``-separated personal names to pseudonymise
``interviewer``    optional; ``;``-separated speaker labels of the interviewer(s)
``source_type``    optional; ``interview`` (the default) or ``document`` (an official
                   document: read as paragraphs, see ``documents``)
=================  ======================================================================

``document_id`` may stand for ``interview_id`` (in ``documents/manifest.csv``, say).

Any other column is kept in ``InterviewMeta.extra`` (as is ``interviewer``, there being no
field for it). Empty cells are "unknown". Errors name the manifest, the row (the header is
row 1, as in a spreadsheet) and the field. A row whose file does not exist is not an error
here: ``ingest_corpus`` quarantines it and goes on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from pipeline.errors import InvalidInput
from pipeline.ingest.csv import read_table
from pipeline.ingest.language import DEFAULT_LANGUAGES
from pipeline.records import InterviewMeta

MANIFEST_NAME = "manifest.csv"
REQUIRED_COLUMNS = ("interview_id", "file")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ManifestEntry:
    row: int
    """The row's number as a spreadsheet shows it (the header is row 1)."""
    meta: InterviewMeta


@dataclass(frozen=True)
class Manifest:
    path: Path
    entries: tuple[ManifestEntry, ...]


def _split(value: str) -> list[str]:
    return [" ".join(part.split()) for part in value.split(";") if part.strip()]


class _Row(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    interview_id: str
    file: str
    city: str | None = None
    country: str | None = None
    role: str | None = None
    date: str | None = None
    language: str | None = None
    names: list[str] = []
    interviewer: list[str] = []
    source_type: str | None = None

    @field_validator("city", "country", "role", "date", "language", "source_type", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("names", "interviewer", mode="before")
    @classmethod
    def _semicolon_list(cls, value: object) -> object:
        return _split(value) if isinstance(value, str) else value

    @field_validator("interview_id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        if not value:
            raise ValueError("is empty")
        if not _ID.fullmatch(value):
            raise ValueError(f"{value!r} may only use letters, digits, '_', '.' and '-' "
                             "(starting with a letter or digit, at most 64)")
        return value

    @field_validator("file")
    @classmethod
    def _relative_path(cls, value: str) -> str:
        value = value.replace("\\", "/")
        if not value:
            raise ValueError("is empty")
        path = PurePosixPath(value)
        if path.is_absolute() or re.match(r"[A-Za-z]:", value) or ".." in path.parts:
            raise ValueError(f"{value!r} must be a path inside the corpus folder")
        return str(path)

    @field_validator("source_type")
    @classmethod
    def _known_source_type(cls, value: str | None) -> str | None:
        if value is not None and value.lower() not in ("interview", "document"):
            raise ValueError(f"{value!r} is not 'interview' or 'document' (or empty); "
                             "surveys are described by survey.yaml")
        return value.lower() if value else None

    @field_validator("date")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        languages = (info.context or {}).get("languages", DEFAULT_LANGUAGES)
        if value.lower() not in languages:
            raise ValueError(f"{value!r} is not one of {', '.join(languages)} (or empty)")
        return value.lower()


def _problem(error: dict) -> tuple[str, str]:
    field = str(error["loc"][0]) if error["loc"] else "?"
    message = error["msg"].removeprefix("Value error, ")
    return field, message


def load_manifest(path: Path, *, languages: Sequence[str] = DEFAULT_LANGUAGES) -> Manifest:
    """Read and validate ``path``; raise ``InvalidInput`` naming the row and field of the
    first problem (and counting the others)."""
    languages = tuple(code.lower() for code in languages)
    header, rows, _ = read_table(path)
    if "interview_id" not in header and "document_id" in header:
        header = ["interview_id" if c == "document_id" else c for c in header]
        rows = [(n, {("interview_id" if k == "document_id" else k): v for k, v in r.items()}) for n, r in rows]
    for column in REQUIRED_COLUMNS:
        if column not in header:
            raise InvalidInput(path, f"missing required column {column!r} (columns: {', '.join(header)})",
                               where="header")
    problems: list[tuple[int, str, str]] = []
    entries: list[ManifestEntry] = []
    seen: dict[tuple[str, str], int] = {}
    for number, values in rows:
        try:
            row = _Row.model_validate(values, context={"languages": languages})
        except ValidationError as err:
            problems.extend((number, *_problem(e)) for e in err.errors())
            continue
        for field in ("interview_id", "file"):
            value = getattr(row, field)
            earlier = seen.setdefault((field, value.casefold()), number)
            if earlier != number:
                problems.append((number, field, f"{value!r} is already used in row {earlier}"))
        known = set(_Row.model_fields)
        extra = {name: str(value) for name, value in (row.model_extra or {}).items() if name not in known}
        if row.interviewer:
            extra["interviewer"] = ";".join(row.interviewer)
        if row.source_type:
            extra["source_type"] = row.source_type
        entries.append(ManifestEntry(number, InterviewMeta(
            interview_id=row.interview_id, file=row.file, city=row.city, country=row.country,
            role=row.role, date=row.date, language=row.language, names=tuple(row.names), extra=extra,
        )))
    if problems:
        number, field, message = problems[0]
        more = f" ({len(problems) - 1} more problem{'s' if len(problems) > 2 else ''} after it)" \
            if len(problems) > 1 else ""
        raise InvalidInput(path, f"{field}: {message}{more}", where=f"row {number}, field {field!r}")
    if not entries:
        raise InvalidInput(path, "the manifest lists no interviews")
    return Manifest(path=path, entries=tuple(entries))
