"""Reading YAML codebooks: a good one, and every kind of mistake a person makes writing one."""

from __future__ import annotations

import textwrap

import pytest

from pipeline.codebook import load_codebook
from pipeline.errors import InvalidCodebook

GOOD = """\
name: mini
version: "1"
description: A two-code codebook.
codes:
  - name: trust
    label: Trust
    description: Trust between families.
    include:
    colour: "#1B9E77"
    examples:
      en: ["I only leave my son with my sister."]
      el: ["Εμπιστεύομαι μόνο τη γιαγιά."]
  - name: trust/parents
    parent: trust
    description: Trust among parents.
    examples:
      it: ["Non conosco quella mamma."]
background_examples:
  en: ["I work in a nursery."]
"""


def write(tmp_path, text, name="mini.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_codebook(tmp_path):
    codebook = load_codebook(write(tmp_path, GOOD))
    assert codebook.id == "mini@1"
    assert codebook.source == "mini.yaml"
    trust, parents = codebook.codes
    assert (trust.label, trust.include, trust.colour) == ("Trust", "", "#1b9e77")
    assert trust.examples == {
        "en": ("I only leave my son with my sister.",),
        "el": ("Εμπιστεύομαι μόνο τη γιαγιά.",),
    }
    assert parents.label == "trust/parents"  # no label: the name stands in
    assert parents.parent == "trust"
    assert codebook.top_level == (trust,)
    assert codebook.background_examples == {"en": ("I work in a nursery.",)}


def test_yml_suffix_and_text_is_nfc(tmp_path):
    decomposed = GOOD.replace("Non conosco quella mamma.", "Perche\u0301 non conosco quella mamma?")
    codebook = load_codebook(write(tmp_path, decomposed, "mini.yml"))
    assert codebook.code("trust/parents").examples["it"] == ("Perch\u00e9 non conosco quella mamma?",)


def test_hash_is_of_the_file_bytes(tmp_path):
    one = load_codebook(write(tmp_path, GOOD, "a.yaml"))
    two = load_codebook(write(tmp_path, GOOD + "\n# a comment\n", "b.yaml"))
    assert one.codes == two.codes and one.sha256 != two.sha256


def edit(old, new):
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


# (id, codebook text, entry, field, words in the reason)
BAD = [
    ("typo in a field", edit("    description: Trust between", "    descripton: Trust between"),
     "trust", "descripton", "did you mean 'description'"),
    ("American spelling", edit('colour: "#1B9E77"', 'color: "#1B9E77"'), "trust", "color", "did you mean 'colour'"),
    ("typo at the top", edit("background_examples:", "backgroud_examples:"),
     None, "backgroud_examples", "did you mean 'background_examples'"),
    ("missing description", edit("    description: Trust among parents.\n", ""),
     "trust/parents", "description", "is required"),
    ("blank description", edit("description: Trust among parents.", "description: '   '"),
     "trust/parents", "description", "is empty"),
    ("empty description", edit("description: Trust among parents.", "description:"),
     "trust/parents", "description", "is empty"),
    ("duplicate name", edit("name: trust/parents\n    parent: trust", "name: trust"), "trust", "name", "two codes"),
    ("unknown parent", edit("name: trust/parents\n    parent: trust", "name: parents\n    parent: trusst"),
     "parents", "parent", "no code is named 'trusst'"),
    ("sub-code under the wrong parent",
     edit("name: trust/parents\n    parent: trust", "name: trust/parents\n    parent: trust/parents"),
     "trust/parents", "parent", "sub-code of 'trust'"),
    ("sub-code without parent", edit("    parent: trust\n", ""), "trust/parents", "parent", "write parent: trust"),
    ("cycle", edit("name: trust\n    label: Trust", "name: trust\n    parent: circle\n    label: Trust")
     .replace("name: trust/parents\n    parent: trust", "name: circle\n    parent: trust"),
     "trust", "parent", "cycle"),
    ("self parent", edit("name: trust\n    label: Trust", "name: trust\n    parent: trust\n    label: Trust"),
     "trust", "parent", "its own parent"),
    ("unknown language", edit("      el: [", "      xx: ["), "trust", "examples.xx", "unknown language 'xx'"),
    ("upper-case language", edit("      el: [", "      EL: ["), "trust", "examples.EL", "'el'"),
    ("region tag", edit("      it: [", "      it-IT: ["), "trust/parents", "examples.it-IT", "'it'"),
    ("bad background language", edit('  en: ["I work', '  english: ["I work'),
     None, "background_examples.english", "unknown language"),
    ("colour too short", edit('"#1B9E77"', '"#1B9E7"'), "trust", "colour", "not a colour"),
    ("colour by name", edit('"#1B9E77"', "red"), "trust", "colour", "not a colour"),
    ("examples not a list",
     edit('en: ["I only leave my son with my sister."]', "en: I only leave my son with my sister."),
     "trust", "examples.en", "list of phrases"),
    ("empty phrase", edit('it: ["Non conosco quella mamma."]', 'it: ["Non conosco quella mamma.", " "]'),
     "trust/parents", "examples.it[1]", "empty example"),
    ("no phrases", edit('it: ["Non conosco quella mamma."]', "it: []"), "trust/parents", "examples.it", "no phrases"),
    ("phrase in two codes", edit('it: ["Non conosco quella mamma."]', 'en: ["I only leave my son with my sister."]'),
     "trust/parents", "examples.en[0]", "already an example of code 'trust'"),
    ("phrase also background", edit('  en: ["I work in a nursery."]', '  en: ["I only leave my son with my sister."]'),
     None, "background_examples.en[0]", "already an example"),
    ("unquoted version", edit('version: "1"', "version: 1.0"), None, "version", "quotes"),
    ("bad machine name", edit("name: trust/parents\n    parent: trust", "name: trust among parents"),
     "trust among parents", "name", "not a machine name"),
    ("code without a name", edit("  - name: trust/parents\n    parent: trust\n", "  - parent: trust\n"),
     "#2", "name", "is required"),
    ("code not a mapping", GOOD.split("background_examples")[0] + "  - just a string\n", "#3", None, "mapping"),
    ("no codes", GOOD.split("codes:")[0] + "codes: []\n", None, "codes", "is empty"),
    ("missing version", edit('version: "1"\n', ""), None, "version", "is required"),
]


@pytest.mark.parametrize(("text", "entry", "field", "why"), [case[1:] for case in BAD], ids=[c[0] for c in BAD])
def test_bad_codebook_names_entry_and_field(tmp_path, text, entry, field, why):
    with pytest.raises(InvalidCodebook) as caught:
        load_codebook(write(tmp_path, text))
    error = caught.value
    assert (error.source, error.entry, error.field) == ("mini.yaml", entry, field)
    assert why in error.why
    message = str(error)
    assert message.startswith("mini.yaml")
    if entry:
        assert f"code {entry!r}" in message
    if field:
        assert f"field {field!r}" in message


def test_message_reads_like_the_docs(tmp_path):
    with pytest.raises(InvalidCodebook) as caught:
        load_codebook(write(tmp_path, edit("      el: [", "      xx: ["), "coproduction_barriers.yaml"))
    assert str(caught.value).startswith(
        "coproduction_barriers.yaml, code 'trust', field 'examples.xx': unknown language 'xx'"
    )


BROKEN_FILES = [
    ("unclosed list", GOOD.replace('sister."]', 'sister."', 1), "line "),
    # The second `en:` is on line 12.
    ("duplicate key", edit("      el: [", '      en: ["Another phrase here."]\n      el: ['), "line 12"),
    ("tab indentation", GOOD.replace("  - name: trust/parents", "\t- name: trust/parents"), "line "),
    ("empty file", "", "empty"),
    ("only whitespace", "  \n\n", "empty"),
    ("only a comment", "# nothing yet\n", "nothing but comments"),
    ("a list at the top", "- trust\n- regulation\n", "should be a mapping"),
]


@pytest.mark.parametrize(("text", "why"), [c[1:] for c in BROKEN_FILES], ids=[c[0] for c in BROKEN_FILES])
def test_unreadable_yaml(tmp_path, text, why):
    with pytest.raises(InvalidCodebook, match=why) as caught:
        load_codebook(write(tmp_path, text))
    assert caught.value.source == "mini.yaml"
    assert caught.value.entry is None


def test_syntax_error_gives_the_line(tmp_path):
    text = textwrap.dedent(
        """\
        name: mini
        version: "1"
        codes:
          - name: trust
            description: "unterminated
        """
    )
    with pytest.raises(InvalidCodebook, match=r"line \d+, column \d+"):
        load_codebook(write(tmp_path, text))


def test_not_utf8(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_bytes(GOOD.replace("Εμπιστεύομαι", "Bizalom").encode("utf-8") + "# régi\n".encode("latin-1"))
    with pytest.raises(InvalidCodebook, match="not UTF-8"):
        load_codebook(path)


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(InvalidCodebook, match="no such file"):
        load_codebook(tmp_path / "nowhere.yaml")
    with pytest.raises(InvalidCodebook, match="unknown codebook format '.json'"):
        load_codebook(write(tmp_path, "{}", "mini.json"))
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    with pytest.raises(InvalidCodebook, match="cannot read"):
        load_codebook(folder)
