"""The interview guide."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import InvalidInput
from pipeline.ingest.guide import load_guide

GUIDE = """
sections:
  - id: background
    title: Background
    questions:
      en: ["Could you tell me about your role and your organisation?"]
      it: ["Mi può parlare del suo ruolo   e della sua organizzazione?"]
      el: ["Θα μπορούσατε να μου πείτε για τον ρόλο σας;"]
  - id: needs
    questions:
      hu: ["Milyen szükségletei vannak a családoknak?", "És a gyerekeknek?"]
"""


def test_valid_guide(write: Callable[..., Path]) -> None:
    guide = load_guide(write("interview_guide.yaml", GUIDE))
    assert guide.sections == ("background", "needs")
    assert guide.titles == {"background": "Background", "needs": "needs"}
    assert len(guide.questions) == 5
    assert guide.questions[1].text == "Mi può parlare del suo ruolo e della sua organizzazione?"
    assert {(q.section, q.language) for q in guide.questions} == {
        ("background", "en"), ("background", "it"), ("background", "el"), ("needs", "hu")}


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("sections: [", None, "not valid YAML"),
        ("- a\n- b\n", "field 'sections'", "expected a mapping"),
        ("sections: []\n", "field 'sections'", "at least 1"),
        ("sectons: []\n", "field 'sections'", "Field required"),
        ("sections:\n  - title: T\n    questions: {en: [q]}\n", "field 'sections[0].id'", "Field required"),
        ("sections:\n  - id: a\n", "field 'sections[0].questions'", "Field required"),
        ("sections:\n  - id: a\n    questions: {en: []}\n", "field 'sections[0].questions'", "no questions for 'en'"),
        ("sections:\n  - id: a\n    questions: {english: [q]}\n", "field 'sections[0].questions'", "ISO 639-1"),
        ("sections:\n  - id: a\n    questions: {en: [q]}\n    colour: red\n", "field 'sections[0].colour'",
         "Extra inputs"),
        ("sections:\n  - id: a\n    questions: {en: [q]}\n  - id: a\n    questions: {en: [r]}\n",
         "field 'sections[1].id'", "appears twice"),
    ],
    ids=["yaml", "not-mapping", "no-sections", "typo", "no-id", "no-questions", "empty-list", "bad-language",
         "unknown-key", "duplicate-id"],
)
def test_bad_guides(text: str, field: str | None, reason: str, write: Callable[..., Path]) -> None:
    path = write("interview_guide.yaml", text)
    with pytest.raises(InvalidInput, match=reason) as info:
        load_guide(path)
    if field is not None:
        assert info.value.where == field
    else:
        assert info.value.where and info.value.where.startswith("line ")
