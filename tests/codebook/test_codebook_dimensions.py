"""Code families (dimensions) in codebooks: declared in YAML, stored, absent from CSV."""

from __future__ import annotations

import pytest

from pipeline.codebook import codebook_from_dict, codebook_to_dict, load_codebook
from pipeline.codebook.dimensions import (DEFAULT_DIMENSION, codes_in, dimension_of, dimensions, dimensions_used,
                                          restrict, split_by_dimension)
from pipeline.errors import InvalidCodebook

FAMILIES = """\
name: families
version: "1"
dimensions:
  - name: barrier
    label: Barrier
  - name: condition
    label: Condition
    background_examples:
      en: ["We use a chat group for the school run, which is handy."]
codes:
  - name: trust
    dimension: barrier
    description: Trust between parents.
  - name: trust/safety
    parent: trust
    description: Safety of the children.
  - name: state_support
    dimension: condition
    description: What the municipality does.
background_examples:
  en: ["I have two children at the local school."]
"""


def write(tmp_path, text, name="book.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_families_are_read_and_sub_codes_inherit(tmp_path):
    book = load_codebook(write(tmp_path, FAMILIES))
    assert [d.name for d in dimensions(book)] == ["barrier", "condition"]
    assert dimension_of(book, "trust/safety") == "barrier"
    assert [c.name for c in codes_in(book, "condition")] == ["state_support"]
    parts = {d.name: sub for d, sub in split_by_dimension(book)}
    assert [c.name for c in parts["barrier"].codes] == ["trust", "trust/safety"]
    assert parts["barrier"].background_examples == book.background_examples
    assert parts["condition"].background_examples == {"en": ("We use a chat group for the school run, which is handy.",)}
    assert dimensions_used(book, ["trust/safety"]) == ["barrier"]
    assert restrict(book, ["barrier", "condition"]) is book


def test_families_survive_the_store(tmp_path):
    book = load_codebook(write(tmp_path, FAMILIES))
    again = codebook_from_dict(codebook_to_dict(book), "stored")
    assert again == book
    # a codebook stored before families existed still reads, as one dimension
    old = codebook_to_dict(book)
    del old["dimensions"]
    for code in old["codes"]:
        del code["dimension"]
    assert dimensions(codebook_from_dict(old, "old")) == (DEFAULT_DIMENSION,)


def test_a_csv_codebook_is_one_dimension(tmp_path):
    book = load_codebook(write(tmp_path, "tag,description\nTrust,Trust between parents.\nFunding,Grants.\n",
                               "tags.csv"))
    assert dimensions(book) == (DEFAULT_DIMENSION,)
    assert split_by_dimension(book) == [(DEFAULT_DIMENSION, book)]
    assert dimension_of(book, "Trust") == DEFAULT_DIMENSION.name


@pytest.mark.parametrize("change, code, field, why", [
    (("    dimension: condition\n    description: What the municipality does.",
      "    description: What the municipality does."), "state_support", "dimension", "is required"),
    (("dimension: condition", "dimension: conditions"), "state_support", "dimension", "not a declared dimension"),
    (("    parent: trust\n", "    parent: trust\n    dimension: condition\n"), "trust/safety", "dimension",
     "parent's dimension"),
    (("  - name: condition\n    label: Condition", "  - name: barrier\n    label: Again"), None, "dimensions[1].name",
     "two dimensions"),
])
def test_bad_families_name_the_code_and_field(tmp_path, change, code, field, why):
    with pytest.raises(InvalidCodebook) as caught:
        load_codebook(write(tmp_path, FAMILIES.replace(*change)))
    assert caught.value.entry == code and caught.value.field == field and why in str(caught.value)


def test_a_family_named_without_declaring_families_is_an_error(tmp_path):
    text = "name: x\nversion: '1'\ncodes:\n  - name: a\n    dimension: barrier\n    description: A.\n"
    with pytest.raises(InvalidCodebook, match="declares no dimensions"):
        load_codebook(write(tmp_path, text))
