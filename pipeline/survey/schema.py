"""``survey.yaml``: what each column of a survey export is.

```yaml
file: survey.csv              # the export beside this file: .csv or .xlsx, one row per respondent
sheet: Responses              # XLSX only; default the first sheet
id: respondent_id             # the column with each respondent's id (required, unique)
attributes:                   # case attributes: name -> column (city, country, role, language, date, or any)
  city: city
  language: lang              # the language the respondent answered in (ISO 639-1); else per item
missing: ["", "NA", "n/a"]    # cells that mean "no answer" (compared case-insensitively)
items:
  - column: trust_hard
    text: It is hard for me to trust other people with my children's care
    kind: likert              # likert | yes_no | choice | open
    scale: {1: Strongly disagree, 2: Disagree, 3: Neither, 4: Agree, 5: Strongly agree}
    agree: [4, 5]             # likert/choice: what counts as agreeing (likert default: the top two points)
    links: [trust]            # codebook codes this item speaks to
  - column: used_platform
    text: Have you used an online platform to organise childcare?
    kind: yes_no              # yes/no cells: yes_values / no_values, defaults in several languages
  - column: trust_open
    text: What would help you trust other parents?
    kind: open
    language: detect          # or an ISO 639-1 code
```

Column names are matched case-insensitively. Unknown fields are errors naming the field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.errors import InvalidInput

SURVEY_NAME = "survey.yaml"
ItemKind = Literal["likert", "yes_no", "choice", "open"]
YES = ("yes", "y", "true", "1", "sì", "si", "ja", "igen", "ναι", "oui")
NO = ("no", "n", "false", "0", "nee", "nem", "όχι", "οχι", "non", "nein")
_PREFIX = re.compile(r"[A-Za-z0-9_.-]{0,32}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SurveyItem(_Strict):
    column: str = Field(min_length=1)
    text: str = ""
    """The question as respondents read it (default: the column name)."""
    kind: ItemKind
    scale: dict[int, str] = {}
    options: list[str] = []
    agree: list[str | int] = []
    yes_values: list[str] = list(YES)
    no_values: list[str] = list(NO)
    language: str = "detect"
    links: list[str] = []

    @field_validator("column")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @model_validator(mode="after")
    def _fits_kind(self) -> "SurveyItem":
        if self.kind == "likert":
            if len(self.scale) < 2:
                raise ValueError(f"item {self.column!r}: a likert item needs a scale of at least two points")
            points = sorted(self.scale)
            if points != list(range(points[0], points[-1] + 1)):
                raise ValueError(f"item {self.column!r}: scale points must be consecutive integers, not {points}")
            bad = [a for a in self.agree if not isinstance(a, int) or a not in self.scale]
            if bad:
                raise ValueError(f"item {self.column!r}: agree value {bad[0]!r} is not a point of its scale")
        elif self.kind == "choice":
            if not self.options:
                raise ValueError(f"item {self.column!r}: a choice item needs its options")
            bad = [a for a in self.agree if str(a) not in self.options]
            if bad:
                raise ValueError(f"item {self.column!r}: agree value {bad[0]!r} is not one of its options")
        elif self.kind == "open" and self.language != "detect" and not re.fullmatch(r"[a-z]{2}", self.language):
            raise ValueError(f"item {self.column!r}: language must be an ISO 639-1 code or 'detect'")
        if self.kind != "likert" and self.scale:
            raise ValueError(f"item {self.column!r}: only likert items have a scale")
        return self

    @property
    def question(self) -> str:
        return self.text or self.column

    @property
    def agree_points(self) -> tuple:
        """What counts as agreeing: likert points, yes, or choice options (empty: not asked)."""
        if self.kind == "likert":
            return tuple(self.agree) if self.agree else tuple(sorted(self.scale)[-2:])
        if self.kind == "yes_no":
            return ("yes",)
        return tuple(str(a) for a in self.agree)


class SurveyConfig(_Strict):
    file: str = Field(min_length=1)
    sheet: str | None = None
    id: str = Field(min_length=1)
    attributes: dict[str, str] = {}
    missing: list[str] = ["", "na", "n/a"]
    transcript_prefix: str = "survey-"
    items: list[SurveyItem] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("attributes")
    @classmethod
    def _lower_columns(cls, value: dict[str, str]) -> dict[str, str]:
        return {name: column.strip().lower() for name, column in value.items()}

    @field_validator("transcript_prefix")
    @classmethod
    def _safe_prefix(cls, value: str) -> str:
        if not _PREFIX.fullmatch(value):
            raise ValueError("may only use letters, digits, '_', '.' and '-' (at most 32)")
        return value

    @model_validator(mode="after")
    def _columns_once(self) -> "SurveyConfig":
        seen: dict[str, str] = {self.id: "id"}
        for what, column in [*((f"attribute {n!r}", c) for n, c in self.attributes.items()),
                             *((f"item {i.column!r}", i.column) for i in self.items)]:
            if column in seen:
                raise ValueError(f"column {column!r} is described twice ({seen[column]} and {what})")
            seen[column] = what
        return self

    @property
    def closed_items(self) -> list[SurveyItem]:
        return [i for i in self.items if i.kind != "open"]

    @property
    def open_items(self) -> list[SurveyItem]:
        return [i for i in self.items if i.kind == "open"]


def load_survey_config(path: Path) -> SurveyConfig:
    """Parse ``survey.yaml``; ``InvalidInput`` naming the field of the first problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise InvalidInput(path, f"not a readable YAML file ({err})") from err
    if not isinstance(data, dict):
        raise InvalidInput(path, "must be a mapping with file, id and items")
    try:
        config = SurveyConfig.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or None
        if first["loc"][:1] == ("items",) and len(first["loc"]) > 1 and isinstance(data.get("items"), list):
            index = first["loc"][1]
            if isinstance(index, int) and index < len(data["items"]) and isinstance(data["items"][index], dict):
                where = f"items[{index}] (column {data['items'][index].get('column')!r})" + \
                    "".join(f".{p}" for p in first["loc"][2:])
        raise InvalidInput(path, first["msg"].removeprefix("Value error, "), where=f"field {where}" if where else None)
    target = path.parent / config.file
    if Path(config.file).is_absolute() or ".." in Path(config.file).parts:
        raise InvalidInput(path, f"{config.file!r} must be a file beside survey.yaml", where="field file")
    if target.suffix.lower() not in (".csv", ".xlsx"):
        raise InvalidInput(path, f"the export must be .csv or .xlsx, not {target.suffix or '(no suffix)'}",
                           where="field file")
    return config


def check_links(path: Path, config: SurveyConfig, codes: set[str]) -> None:
    """Every ``links`` entry must name a code of the run's codebook."""
    for item in config.items:
        for link in item.links:
            if link not in codes:
                raise InvalidInput(path, f"links to {link!r}, which is not a code of the codebook "
                                         f"(codes: {', '.join(sorted(codes))})",
                                   where=f"item {item.column!r}, field 'links'")
