"""The Word reader: paragraph indents, numbered lists, tables, broken archives."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pipeline.errors import InvalidInput
from pipeline.ingest.docx import DocxReader

from .files import write_docx

READER = DocxReader()


def test_numbered_prompts_and_answers_indented_by_paragraph_indent(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "t.docx", [
        "1 Read the ‘Home’ tab information.",
        ("Okay, I read it. 4 days is enough.", 0.5),
        ("1.a Was it clear?", 0.25),
        ("4 days, I said.", 0.75),  # numbered-looking speech, indented deeper
        ("(The participant scrolls)", 0.5),
    ])
    turns = READER.read(path).turns
    assert [(t.role, t.text) for t in turns] == [
        ("interviewer", "1 Read the ‘Home’ tab information."),
        ("respondent", "Okay, I read it. 4 days is enough."),
        ("interviewer", "1.a Was it clear?"),
        ("respondent", "4 days, I said."),
        ("other", "(The participant scrolls)"),
    ]


def test_indentation_written_with_tabs_and_spaces(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "t.docx", ["1 Read it.", "\tOkay.", "    1.a Clear?", "    \tYes."])
    assert [t.role for t in READER.read(path).turns] == ["interviewer", "respondent", "interviewer", "respondent"]


def test_automatic_numbering_is_a_prompt_but_bullets_are_not(tmp_path: Path) -> None:
    import docx
    from docx.shared import Inches

    document = docx.Document()
    document.add_paragraph("Read the Home tab", style="List Number")
    document.add_paragraph("I read it, it is fine").paragraph_format.left_indent = Inches(0.5)
    document.add_paragraph("a bullet point I said", style="List Bullet")
    document.save(str(tmp_path / "n.docx"))
    turns = READER.read(tmp_path / "n.docx").turns
    assert [t.role for t in turns] == ["interviewer", "respondent", "respondent"]


def test_table_rows_are_labelled_turns(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    table = document.add_table(rows=0, cols=2)
    for speaker, text in [("Kérdező", "Hogyan működik?"), ("Szülő", "Jól."), ("Kérdező", "Köszönöm.")]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = speaker, text
    document.save(str(tmp_path / "table.docx"))
    turns = READER.read(tmp_path / "table.docx").turns
    assert [(t.speaker, t.text) for t in turns] == [("Kérdező", "Hogyan működik?"), ("Szülő", "Jól."),
                                                    ("Kérdező", "Köszönöm.")]


def test_document_without_text(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "blank.docx", ["", "   "])
    with pytest.raises(InvalidInput, match="no turns"):
        READER.read(path)


def test_zip_that_is_not_a_word_document(tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(InvalidInput, match="not a readable .docx"):
        READER.read(path)


def test_legacy_doc_renamed(tmp_path: Path) -> None:
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(InvalidInput, match="legacy binary Office"):
        READER.read(path)


def test_tracked_changes_read_as_accepted(tmp_path: Path) -> None:
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    document.add_paragraph("Interviewer: Was it clear?")
    answer = document.add_paragraph("Anna: It was ")
    answer._p.append(parse_xml(f'<w:del {w} w:id="1" w:author="x"><w:r><w:delText>not </w:delText></w:r></w:del>'))
    answer._p.append(parse_xml(f'<w:ins {w} w:id="2" w:author="x"><w:r><w:t>very clear</w:t></w:r></w:ins>'))
    document.save(str(tmp_path / "tracked.docx"))
    assert [t.text for t in READER.read(tmp_path / "tracked.docx").turns] == ["Was it clear?", "It was very clear"]
