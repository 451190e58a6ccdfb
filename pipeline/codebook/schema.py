"""Pydantic models of a codebook file and of a stored codebook, and their error messages.

``extra="forbid"`` everywhere, so a misspelt field is an error that names the code and
the field instead of a silently ignored key.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import InvalidCodebook

MACHINE_NAME = re.compile(r"[\w-]+(/[\w-]+)*")
"""Code names in a YAML codebook: letters, digits, ``_`` and ``-``; ``/`` nests a sub-code."""

STORED_SCHEMA = "qualflow.codebook/1"
"""Tag of the dict ``codebook_to_dict`` writes; a new layout gets a new tag."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _empty_is_blank(value: Any) -> Any:
    # `include:` with nothing after it is YAML null; a blank note is what the author meant.
    return "" if value is None else value


class CodeEntry(_Strict):
    """One item of ``codes:`` in a YAML codebook."""

    name: str
    label: str | None = None
    description: str
    include: str = ""
    exclude: str = ""
    colour: str | None = None
    parent: str | None = None
    dimension: str | None = None
    """The code family (``dimensions:``) the code belongs to; sub-codes inherit it."""
    examples: dict[Any, list[str]] = Field(default_factory=dict)
    """Keys are checked as languages later, so that the message can name the bad key."""

    @field_validator("name")
    @classmethod
    def _machine_name(cls, value: str) -> str:
        value = value.strip()
        if not MACHINE_NAME.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a machine name: use letters, digits, '_' or '-', "
                "and '/' only to nest a sub-code (e.g. 'trust/parents')"
            )
        return value

    @field_validator("description")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is empty: say what the code means")
        return value

    @field_validator("include", "exclude", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _empty_is_blank(value)


class DimensionEntry(_Strict):
    """One item of ``dimensions:``: a family of codes coded independently of the others."""

    name: str
    label: str | None = None
    description: str = ""
    background_examples: dict[Any, list[str]] | None = None

    @field_validator("name")
    @classmethod
    def _machine_name(cls, value: str) -> str:
        value = value.strip()
        if not re.fullmatch(r"[\w-]+", value):
            raise ValueError(f"{value!r} is not a machine name: use letters, digits, '_' or '-'")
        return value

    @field_validator("description", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _empty_is_blank(value)


class CodebookFile(_Strict):
    """A whole YAML codebook file."""

    name: str
    version: str
    description: str = ""
    dimensions: list[DimensionEntry] = Field(default_factory=list)
    codes: list[CodeEntry] = Field(min_length=1)
    background_examples: dict[Any, list[str]] = Field(default_factory=dict)

    @field_validator("description", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _empty_is_blank(value)


class StoredCode(_Strict):
    name: str
    label: str
    description: str
    include: str
    exclude: str
    parent: str | None
    colour: str | None
    examples: dict[str, list[str]]
    dimension: str | None = None
    """Absent in codebooks stored before dimensions existed."""


class StoredDimension(_Strict):
    name: str
    label: str
    description: str = ""
    background_examples: dict[str, list[str]] | None = None


class StoredCodebook(_Strict):
    """What ``codebook_to_dict`` writes: every field explicit, nothing defaulted."""

    schema_: str = Field(alias="schema")
    name: str
    version: str
    sha256: str
    source: str
    description: str = ""
    codes: list[StoredCode]
    background_examples: dict[str, list[str]]
    dimensions: list[StoredDimension] = Field(default_factory=list)

    @field_validator("schema_")
    @classmethod
    def _known(cls, value: str) -> str:
        if value != STORED_SCHEMA:
            raise ValueError(f"unknown layout {value!r}; this qualflow reads {STORED_SCHEMA!r}")
        return value


def invalid_codebook(
    source: str, error: ValidationError, raw: Any, model: type[BaseModel], code_model: type[BaseModel]
) -> InvalidCodebook:
    """The first problem in ``error``, naming the code (by its ``name`` when it has one) and field."""
    problems = error.errors(include_url=False)
    first = problems[0]
    scope = first["loc"][:2] if first["loc"][:1] == ("codes",) else ()
    # A misspelt field is also reported as a missing one; the misspelling is the real news.
    problem = next(
        (p for p in problems if p["type"] == "extra_forbidden" and p["loc"][: len(scope)] == scope), first
    )
    loc = problem["loc"]
    entry: str | None = None
    fields_here = model.model_fields
    if len(loc) >= 2 and loc[0] == "codes" and isinstance(loc[1], int):
        entry = _entry_name(raw, loc[1])
        loc = loc[2:]
        fields_here = code_model.model_fields
    return InvalidCodebook(source, entry, _dotted(loc), _why(problem, fields_here))


def _entry_name(raw: Any, index: int) -> str:
    try:
        name = raw["codes"][index]["name"]
    except (KeyError, IndexError, TypeError):
        name = None
    return name.strip() if isinstance(name, str) and name.strip() else f"#{index + 1}"


def _dotted(loc: tuple[int | str, ...]) -> str | None:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or None


def _why(problem: dict[str, Any], fields_here: dict[str, Any]) -> str:
    kind, value = problem["type"], problem.get("input")
    if kind == "extra_forbidden":
        known = [f.alias or name for name, f in fields_here.items()]
        close = difflib.get_close_matches(str(problem["loc"][-1]), known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known fields: {', '.join(known)}"
        return f"unknown field; {hint}"
    if kind == "missing":
        return "is required"
    if kind == "value_error":
        return str(problem["ctx"]["error"])
    if kind == "string_type":
        if value is None:
            return "is empty"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"should be text; write it in quotes, e.g. \"{value}\""
        return f"should be text, not {_describe(value)}"
    if kind == "list_type":
        return f"should be a list of phrases, not {_describe(value)}"
    if kind in ("dict_type", "model_type"):
        return f"should be a mapping of fields, not {_describe(value)}"
    if kind == "too_short":
        return "is empty"
    return problem["msg"]


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
