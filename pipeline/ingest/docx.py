"""Word transcripts (``.docx``, read with python-docx), in any of the layouts of ``layout``.

Each paragraph is one ``layout.Paragraph``; its text includes tracked insertions and
content controls but not tracked deletions or text boxes. Its indentation is the leading tabs and spaces
of its text plus its paragraph indent (direct or from its style), a tab per half inch.
An automatically numbered list item counts as a numbered prompt; bullets do not.
A table row ``Speaker | text`` becomes the paragraph ``Speaker: text``.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import InvalidInput
from pipeline.ingest.archive import check_zip
from pipeline.ingest.base import register_reader
from pipeline.ingest.layout import Paragraph, indent_prefix, paragraphs_to_turns, table_row_paragraphs
from pipeline.records import RawTranscript

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class DocxReader:
    format = "docx"
    suffixes = (".docx",)

    def read(self, path: Path) -> RawTranscript:
        _, turns = paragraphs_to_turns(self.paragraphs(path), path)
        return RawTranscript(path=str(path), format=self.format, encoding=None, turns=turns)

    def paragraphs(self, path: Path) -> list[Paragraph]:
        """The document's paragraphs in order (also what a report in .docx is made of)."""
        document = _open(path)
        return list(_paragraphs(document, _numbered_lists(document)))


def _open(path: Path):  # -> docx.document.Document
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    check_zip(path, ".docx")
    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, EOFError,
            zlib.error, XMLSyntaxError) as err:
        raise InvalidInput(path, f"not a readable .docx (corrupt or truncated: {err})") from err


def _numbered_lists(document) -> set[tuple[str, str]]:
    """``(numId, ilvl)`` pairs whose list level is numbered rather than bulleted."""
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return set()
    formats: dict[tuple[str, str], str] = {}
    for abstract in numbering.iterchildren(f"{_W}abstractNum"):
        for level in abstract.iterchildren(f"{_W}lvl"):
            fmt = level.find(f"{_W}numFmt")
            formats[(abstract.get(f"{_W}abstractNumId"), level.get(f"{_W}ilvl"))] = (
                fmt.get(f"{_W}val") if fmt is not None else "decimal"
            )
    numbered = set()
    for num in numbering.iterchildren(f"{_W}num"):
        abstract_id = num.find(f"{_W}abstractNumId")
        if abstract_id is None:
            continue
        for (aid, ilvl), fmt in formats.items():
            if aid == abstract_id.get(f"{_W}val") and fmt not in ("bullet", "none"):
                numbered.add((num.get(f"{_W}numId"), ilvl))
    return numbered


def _is_numbered(paragraph, numbered: set[tuple[str, str]]) -> bool:
    """Numbering set on the paragraph or, failing that, on its style chain."""
    num_pr = None
    ppr = paragraph._p.pPr
    if ppr is not None and ppr.numPr is not None:
        num_pr = ppr.numPr
    style = paragraph.style
    while num_pr is None and style is not None:
        style_ppr = style.element.pPr
        if style_ppr is not None and style_ppr.numPr is not None:
            num_pr = style_ppr.numPr
        style = style.base_style
    if num_pr is None or num_pr.numId is None:
        return False
    ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
    return (str(num_pr.numId.val), str(ilvl)) in numbered


def _indent_inches(paragraph) -> float:
    """Left indent of the first line: direct formatting first, then the style chain."""
    fmt = paragraph.paragraph_format
    left, first = fmt.left_indent, fmt.first_line_indent
    style = paragraph.style
    while style is not None and (left is None or first is None):
        if left is None:
            left = style.paragraph_format.left_indent
        if first is None:
            first = style.paragraph_format.first_line_indent
        style = style.base_style
    return max(0.0, (left.inches if left is not None else 0.0) + (first.inches if first is not None else 0.0))


def _paragraphs(document, numbered: set[tuple[str, str]]) -> Iterator[Paragraph]:
    from docx.table import Table

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            yield from _table_rows(block)
            continue
        yield Paragraph(
            indent_prefix(_indent_inches(block)) + _text(block),
            numbered=_is_numbered(block, numbered),
        )


# python-docx's ``Paragraph.text`` reads only direct runs and hyperlinks, which loses tracked
# insertions and content controls; deleted text and text boxes are left out on purpose.
_RUNS = ".//w:r[not(ancestor::w:del) and not(ancestor::w:moveFrom) and not(ancestor::w:txbxContent)]"


def _text(paragraph) -> str:
    return "".join(run.text for run in paragraph._p.xpath(_RUNS))


def _table_rows(table) -> Iterator[Paragraph]:
    for row in table.rows:
        yield from table_row_paragraphs([cell.text for cell in row.cells])


register_reader(DocxReader())
