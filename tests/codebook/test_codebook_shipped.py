"""The codebook qualflow ships: the study's four barriers, their sub-codes and background."""

from __future__ import annotations

import hashlib

import pytest

from pipeline.codebook import DEFAULT_CODEBOOK, default_codebook_path, load_codebook
from pipeline.codebook import load as load_module
from pipeline.errors import NotFound, QualflowError

LANGUAGES = {"it", "hu", "el", "nl", "en"}
BARRIERS = {"funding_calls", "trust", "regulation", "digital_divide"}
CONDITIONS = {"state_support", "innovation_culture", "facilitative_technology"}
TOP_LEVEL = BARRIERS | CONDITIONS
SUB_CODES = {
    "trust/parents": "trust",
    "trust/institutions": "trust",
    "trust/safety": "trust",
    "funding_calls/reporting": "funding_calls",
    "regulation/collaboration_pacts": "regulation",
    "regulation/legal_status": "regulation",
}


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(default_codebook_path())


def test_default_path_is_the_shipped_file():
    assert default_codebook_path() == DEFAULT_CODEBOOK
    assert DEFAULT_CODEBOOK.parent.name == "codebooks"


def test_identity_and_hash(codebook):
    assert codebook.id == "coproduction_barriers@2.0"
    assert codebook.source == "coproduction_barriers.yaml"
    assert codebook.sha256 == hashlib.sha256(DEFAULT_CODEBOOK.read_bytes()).hexdigest()


def test_barriers_and_conditions_are_two_dimensions(codebook):
    from pipeline.codebook.dimensions import codes_in, split_by_dimension

    assert [d.name for d in codebook.dimensions] == ["barrier", "condition"]
    assert {c.name for c in codes_in(codebook, "barrier", top_level=True)} == BARRIERS
    assert {c.name for c in codes_in(codebook, "condition", top_level=True)} == CONDITIONS
    # sub-codes inherit their parent's family
    assert {c.dimension for c in codebook.codes if c.parent} == {"barrier"}
    parts = dict((d.name, sub) for d, sub in split_by_dimension(codebook))
    # everyday use of a chat group is "none" for the barriers, evidence for the conditions
    assert any("WhatsApp" in p for p in parts["barrier"].background_examples["en"])
    assert not any("WhatsApp" in p for p in parts["condition"].background_examples["en"])


def test_top_level_codes_with_examples_in_every_language(codebook):
    assert {c.name for c in codebook.top_level} == TOP_LEVEL
    for code in codebook.top_level:
        assert set(code.examples) == LANGUAGES, code.name
        for lang, phrases in code.examples.items():
            assert 8 <= len(phrases) <= 12, (code.name, lang, len(phrases))


def test_sub_codes_have_valid_parents_and_examples(codebook):
    subs = {c.name: c for c in codebook.codes if c.parent is not None}
    assert {name: c.parent for name, c in subs.items()} == SUB_CODES
    for code in subs.values():
        assert codebook.code(code.parent).parent is None
        assert code.description
        assert set(code.examples) == LANGUAGES, code.name
        for lang, phrases in code.examples.items():
            assert 4 <= len(phrases) <= 6, (code.name, lang, len(phrases))


def test_every_code_is_documented_and_coloured(codebook):
    colours = [c.colour for c in codebook.codes]
    assert len(set(colours)) == len(colours)
    for code in codebook.codes:
        assert code.label and code.description and code.include and code.exclude, code.name
        assert code.colour is not None and code.colour.startswith("#") and len(code.colour) == 7


def test_background_examples_in_every_language(codebook):
    assert set(codebook.background_examples) == LANGUAGES
    for lang, phrases in codebook.background_examples.items():
        assert 10 <= len(phrases) <= 15, (lang, len(phrases))


def test_examples_are_distinct_sentences(codebook):
    # Near-empty or repeated phrases would give the zero-shot mapper nothing to go on.
    groups = [c.examples for c in codebook.codes] + [codebook.background_examples]
    for examples in groups:
        for phrases in examples.values():
            assert all(len(p.split()) >= 4 for p in phrases), phrases
            assert len({p.casefold() for p in phrases}) == len(phrases)


def test_missing_default_codebook_is_a_clear_user_error(monkeypatch, tmp_path):
    monkeypatch.setattr(load_module, "DEFAULT_CODEBOOK", tmp_path / "gone.yaml")
    with pytest.raises(NotFound, match="coproduction_barriers.yaml") as caught:
        load_module.default_codebook_path()
    assert isinstance(caught.value, QualflowError)
