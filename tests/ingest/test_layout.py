"""Layout detection and splitting of running text into turns (shared by txt, docx, odt)."""

from __future__ import annotations

import pytest

from pipeline.errors import InvalidInput
from pipeline.ingest.layout import PROMPT, Paragraph, detect_layout, indent_prefix, is_note, paragraphs_to_turns


def paras(text: str) -> list[Paragraph]:
    return [Paragraph(line) for line in text.split("\n")]


@pytest.mark.parametrize(
    "line",
    ["1 Read the tab", "1.a Was it clear?", "1a Was it clear?", "3) Why?", "3. Why?", "Q3. Why?", "Q3: Why?",
     "D2. Perché?", "c.ii Data Lineage", "a) first", "12.3 Next", "4.e Can you"],
)
def test_prompt_numbers(line: str) -> None:
    assert PROMPT.match(line)


@pytest.mark.parametrize(
    "line",
    ["2019 was a hard year", "14:30 we started", "1, 2, 3, 4 ... counting", "Okay 1 more", "1.5kg", "a. b",
     "Questo è tutto", "Answer"],
)
def test_not_prompt_numbers(line: str) -> None:
    assert not PROMPT.match(line)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("(laughs)", True), ("[pause]", True), ("(The participant reads the text).", True),
     ("(a) and (b)", False), ("(laughs) okay", False), ("okay (laughs)", False), ("()", True), ("(", False)],
)
def test_is_note(text: str, expected: bool) -> None:
    assert is_note(text) is expected


def test_indent_prefix() -> None:
    assert indent_prefix(0) == ""
    assert indent_prefix(0.5) == "\t"
    assert indent_prefix(1.25) == "\t\t    "


@pytest.mark.parametrize(
    ("text", "layout"),
    [
        ("Interviewer: Hi?\nAnna: Hello.\nInterviewer: Why?\nAnna: Because.", "labels"),
        ("TOR004\tallora\nTOI020\tsì\nTOR004\tcome ti chiami", "tabs"),
        ("1 Read it\n\tOkay I read it.\n1.a Clear?\n\tYes.", "prompts"),
        ("Just some text.\nAnd more text.", "prompts"),
        # Indented "MODERATOR:" lines inside prompt-layout speech do not make it a labelled layout.
        ("1 Read\n\tMODERATOR: go on\n\tMODERATOR: yes\n\tMODERATOR: ok\n\tok\n1.a Next\n\tfine", "prompts"),
        # A colon in one line of prose is not a label.
        ("1 Read\n\tok\nCase study: Ireland\n1.a Next\n\tfine", "prompts"),
    ],
)
def test_detect_layout(text: str, layout: str) -> None:
    assert detect_layout(paras(text)) == layout


def test_labels_continuation_and_preamble() -> None:
    text = "Intervista 3 - Torino\n\nIntervistatrice: Buongiorno.\nCome sta?\n\nGenitore: Bene.\n\nE lei?\n(ride)\nDavvero."
    layout, turns = paragraphs_to_turns(paras(text), "x.txt", plain_text=True)
    assert layout == "labels"
    assert [(t.speaker, t.role, t.text) for t in turns] == [
        (None, "other", "Intervista 3 - Torino"),
        ("Intervistatrice", None, "Buongiorno.\nCome sta?"),
        ("Genitore", None, "Bene.\n\nE lei?"),
        (None, "other", "(ride)"),
        ("Genitore", None, "Davvero."),
    ]


def test_tabs_merge_same_speaker_and_unidentified() -> None:
    text = "TOR004\tva bene\nTOR004\tallora\nTOI020\tsì\n???\txx\nTOI020\tcome vuoi"
    _, turns = paragraphs_to_turns(paras(text), "x.txt", plain_text=True)
    assert [(t.speaker, t.role, t.text) for t in turns] == [
        ("TOR004", None, "va bene\nallora"), ("TOI020", None, "sì"), ("???", "other", "xx"),
        ("TOI020", None, "come vuoi"),
    ]


def test_prompts_roles_notes_and_moderator() -> None:
    text = (
        "1 Read the ‘Home’ tab information.\n"
        "\t(The participant reads the home tab text)\n"
        "    1.a Was the information enough?\n"
        "    \tOkay, I read this.\n"
        "    \t4 days is the window I picked.\n"
        "    \tMODERATOR: Yes, go on\n"
        "        c.i Data Provenance\n"
        "        \tThe data comes from Ireland."
    )
    layout, turns = paragraphs_to_turns(paras(text), "x.txt", plain_text=True)
    assert layout == "prompts"
    assert [(t.speaker, t.role, t.text) for t in turns] == [
        (None, "interviewer", "1 Read the ‘Home’ tab information."),
        (None, "other", "(The participant reads the home tab text)"),
        (None, "interviewer", "1.a Was the information enough?"),
        (None, "respondent", "Okay, I read this."),
        (None, "respondent", "4 days is the window I picked."),
        ("MODERATOR", "interviewer", "Yes, go on"),
        (None, "interviewer", "c.i Data Provenance"),
        (None, "respondent", "The data comes from Ireland."),
    ]


def test_prompts_in_plain_text_join_wrapped_lines_of_a_paragraph() -> None:
    text = "1 Could you tell me\nabout your role?\n\nI coordinate the\nnursery of the district.\n\nQ2. And the parents?\n\nThey help."
    _, turns = paragraphs_to_turns(paras(text), "x.txt", plain_text=True)
    assert [(t.role, " ".join(t.text.split())) for t in turns] == [
        ("interviewer", "1 Could you tell me about your role?"),
        ("respondent", "I coordinate the nursery of the district."),
        ("interviewer", "Q2. And the parents?"),
        ("respondent", "They help."),
    ]


def test_no_text_is_no_turns() -> None:
    with pytest.raises(InvalidInput, match="no turns"):
        paragraphs_to_turns(paras("\n  \n\t\n"), "x.txt")
