"""The interview guide, ``interview_guide.yaml`` in the corpus folder (optional)::

    sections:
      - id: background
        title: Background
        questions:
          en: ["Could you tell me about your role and your organisation?"]
          it: ["Mi può parlare del suo ruolo e della sua organizzazione?"]

Section ids are unique (letters, digits, ``_``, ``-``); ``title`` defaults to the id;
``questions`` maps ISO 639-1 codes to non-empty lists of non-empty questions. Questions are
NFC-normalised with whitespace collapsed. Any other key is an error naming the field.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import InvalidInput
from pipeline.ingest.transcript import normalise_text
from pipeline.records import GuideQuestion, InterviewGuide

GUIDE_NAMES = ("interview_guide.yaml", "interview_guide.yml")
_LANGUAGE = re.compile(r"[a-z]{2}")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
    title: str | None = None
    questions: dict[str, list[str]] = Field(min_length=1)

    @field_validator("questions")
    @classmethod
    def _check_questions(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        checked = {}
        for language, questions in value.items():
            if not _LANGUAGE.fullmatch(language):
                raise ValueError(f"{language!r} is not an ISO 639-1 language code such as 'it'")
            if not questions:
                raise ValueError(f"no questions for {language!r}")
            texts = [normalise_text(q) for q in questions]
            if not all(texts):
                raise ValueError(f"an empty question for {language!r}")
            checked[language] = texts
        return checked


class _Guide(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sections: list[_Section] = Field(min_length=1)


def _location(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def find_guide(folder: Path) -> Path | None:
    for name in GUIDE_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def load_guide(path: Path) -> InterviewGuide:
    """Read and validate an interview guide; ``InvalidInput`` names the field at fault."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as err:
        raise InvalidInput(path, f"cannot read the file: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        raise InvalidInput(path, "not UTF-8 text") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise InvalidInput(path, f"not valid YAML ({problem})", where=where) from err
    if not isinstance(data, dict):
        raise InvalidInput(path, "expected a mapping with a 'sections' list", where="field 'sections'")
    try:
        guide = _Guide.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        field = _location(first["loc"]) or "sections"
        message = first["msg"].removeprefix("Value error, ")
        raise InvalidInput(path, f"{field}: {message}", where=f"field {field!r}") from err
    seen: set[str] = set()
    questions: list[GuideQuestion] = []
    for index, section in enumerate(guide.sections):
        if section.id in seen:
            raise InvalidInput(path, f"section id {section.id!r} appears twice", where=f"field 'sections[{index}].id'")
        seen.add(section.id)
        for language, texts in section.questions.items():
            questions.extend(GuideQuestion(section=section.id, language=language, text=t) for t in texts)
    return InterviewGuide(
        sections=tuple(s.id for s in guide.sections),
        titles={s.id: normalise_text(s.title or "") or s.id for s in guide.sections},
        questions=tuple(questions),
    )
