"""Keeping a codebook in the store as JSON and reading it back."""

from __future__ import annotations

import copy
import json

import pytest

from pipeline.codebook import codebook_from_dict, codebook_to_dict, default_codebook_path, load_codebook
from pipeline.errors import InvalidCodebook


@pytest.fixture(scope="module")
def shipped():
    return load_codebook(default_codebook_path())


@pytest.fixture(scope="module")
def stored(shipped):
    return json.loads(json.dumps(codebook_to_dict(shipped), ensure_ascii=False))


def test_round_trip_through_json(shipped, stored):
    again = codebook_from_dict(stored, "run 1")
    assert again == shipped
    assert isinstance(again.codes, tuple)
    assert all(isinstance(p, tuple) for c in again.codes for p in c.examples.values())


def test_dict_is_plain_json(stored):
    assert stored["schema"] == "qualflow.codebook/1"
    assert stored["codes"][0]["examples"]["el"][0].startswith("Για")
    assert json.loads(json.dumps(stored)) == stored


def test_round_trip_of_an_imported_csv(tmp_path):
    path = tmp_path / "tags.csv"
    path.write_text("tag,description\nTrust/parents,Among parents.\nNo description,\n", encoding="utf-8")
    imported = load_codebook(path)
    assert codebook_from_dict(codebook_to_dict(imported), "run 2") == imported


def broken(stored, change):
    data = copy.deepcopy(stored)
    change(data)
    return data


BAD = [
    ("unknown key", lambda d: d.update(colours={}), None, "colours", "unknown field"),
    ("typo in a code", lambda d: d["codes"][1].update(lable="x"),
     "funding_calls/reporting", "lable", "did you mean 'label'"),
    ("missing key", lambda d: d["codes"][2].pop("exclude"), "trust", "exclude", "is required"),
    ("newer layout", lambda d: d.update(schema="qualflow.codebook/9"), None, "schema", "unknown layout"),
    ("no layout tag", lambda d: d.pop("schema"), None, "schema", "is required"),
    ("lost parent", lambda d: d["codes"][1].update(parent="gone"), "funding_calls/reporting", "parent", "gone"),
    ("bad language", lambda d: d["codes"][0]["examples"].update(gr=["Γεια σου, τι κάνεις;"]),
     "funding_calls", "examples.gr", "unknown language"),
]


@pytest.mark.parametrize(("change", "entry", "field", "why"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_stored_codebook(stored, change, entry, field, why):
    with pytest.raises(InvalidCodebook) as caught:
        codebook_from_dict(broken(stored, change), "run 7")
    error = caught.value
    assert (error.source, error.entry, error.field) == ("run 7", entry, field)
    assert why in error.why


def test_not_a_mapping():
    with pytest.raises(InvalidCodebook, match="should be a mapping"):
        codebook_from_dict(["trust"], "run 7")
