"""The OpenDocument reader: whitespace elements, styles, lists, broken archives, real data."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pipeline.errors import InvalidInput
from pipeline.ingest.odt import OdtReader

from .files import odt_paragraphs, write_odt

READER = OdtReader()


def test_spaces_and_tabs_elements_keep_the_layout(tmp_path: Path) -> None:
    body = (
        "<text:p><text:span>1 Read the ‘Home’ tab information.</text:span></text:p>"
        "<text:p><text:tab/>(The participant reads the home tab text)</text:p>"
        '<text:p><text:s text:c="4"/>1.a Was the information enough?</text:p>'
        '<text:p><text:s text:c="4"/><text:tab/>Okay,<text:s/> I  read <text:span>this</text:span>.</text:p>'
        '<text:p><text:s text:c="4"/><text:tab/>MODERATOR: Yes</text:p>'
    )
    turns = READER.read(write_odt(tmp_path / "t.odt", body)).turns
    assert [(t.speaker, t.role, t.text) for t in turns] == [
        (None, "interviewer", "1 Read the ‘Home’ tab information."),
        (None, "other", "(The participant reads the home tab text)"),
        (None, "interviewer", "1.a Was the information enough?"),
        (None, "respondent", "Okay,  I  read this."),
        ("MODERATOR", "interviewer", "Yes"),
    ]


def test_labels_line_breaks_notes_and_comments(tmp_path: Path) -> None:
    body = (
        "<text:h>Συνέντευξη 4</text:h>"
        "<text:p>Συνεντευκτής: Πώς είστε;</text:p>"
        "<text:p>Γονέας: Καλά.<text:line-break/>Ευχαριστώ."
        "<text:note><text:note-body><text:p>a footnote</text:p></text:note-body></text:note>"
        "<office:annotation><text:p>a comment</text:p></office:annotation></text:p>"
        "<text:p>Συνεντευκτής: Και τα παιδιά;</text:p>"
    )
    turns = READER.read(write_odt(tmp_path / "el.odt", body)).turns
    assert [(t.speaker, t.role, t.text) for t in turns] == [
        (None, "other", "Συνέντευξη 4"),
        ("Συνεντευκτής", None, "Πώς είστε;"),
        ("Γονέας", None, "Καλά.\nΕυχαριστώ."),
        ("Συνεντευκτής", None, "Και τα παιδιά;"),
    ]


def test_paragraph_style_indent_and_numbered_list(tmp_path: Path) -> None:
    styles = (
        '<style:style style:name="Answer" style:family="paragraph">'
        '<style:paragraph-properties fo:margin-left="1.27cm" fo:text-indent="0cm"/></style:style>'
        '<text:list-style style:name="L1"><text:list-level-style-number text:level="1" style:num-format="1"/>'
        "</text:list-style>"
        '<text:list-style style:name="B1"><text:list-level-style-bullet text:level="1"/></text:list-style>'
    )
    body = (
        '<text:list text:style-name="L1"><text:list-item><text:p>Read the tab</text:p></text:list-item></text:list>'
        '<text:p text:style-name="Answer">Okay I read it</text:p>'
        '<text:list text:style-name="B1"><text:list-item><text:p>a bullet I said</text:p></text:list-item></text:list>'
    )
    turns = READER.read(write_odt(tmp_path / "s.odt", body, styles)).turns
    assert [(t.role, t.text) for t in turns] == [
        ("interviewer", "Read the tab"), ("respondent", "Okay I read it"), ("respondent", "a bullet I said")]


def test_helper_writes_leading_whitespace_as_elements(tmp_path: Path) -> None:
    path = write_odt(tmp_path / "h.odt", odt_paragraphs(["1 Read", "  \tYes, <b> & done"]))
    assert [t.text for t in READER.read(path).turns] == ["1 Read", "Yes, <b> & done"]


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ({"mimetype": "application/vnd.oasis.opendocument.text"}, "content.xml is missing"),
        ({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"},
         "not an OpenDocument text"),
        ({"content.xml": "<office:document-content"}, "corrupt XML"),
        ({"content.xml": "<root/>"}, "no office:text body"),
    ],
    ids=["no-content", "spreadsheet", "bad-xml", "no-body"],
)
def test_broken_documents(members: dict[str, str], reason: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.odt"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(InvalidInput, match=reason):
        READER.read(path)


def test_real_serdif_transcript(shared_data: Path) -> None:
    raw = READER.read(shared_data / "serdif_dev" / "transcripts" / "P2_GMT20211119.odt")
    prompts = [t.text for t in raw.turns if t.role == "interviewer" and t.speaker is None]
    assert prompts[0] == "1 Read the ‘Home’ tab information."
    assert any(p.startswith("1.a Was the information") for p in prompts)
    assert sum(t.role == "respondent" for t in raw.turns) > 20
    assert "(The participant reads the home tab text)" in [t.text for t in raw.turns if t.role == "other"]
