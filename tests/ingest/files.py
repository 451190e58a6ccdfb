"""Writers of small transcript files of the zip-based formats, for the tests."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

ODT_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"'
)


def write_odt(path: Path, body: str, styles: str = "") -> Path:
    """An .odt whose ``office:text`` holds ``body`` (raw XML, ``text:`` prefix bound)."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODT_NS} office:version="1.2">'
        f"<office:automatic-styles>{styles}</office:automatic-styles>"
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def odt_paragraphs(lines: Sequence[str]) -> str:
    """``<text:p>`` per line, with leading tabs as ``<text:tab/>`` and leading spaces as
    ``<text:s text:c="N"/>``, as LibreOffice writes them."""
    from xml.sax.saxutils import escape

    out = []
    for line in lines:
        lead = line[: len(line) - len(line.lstrip(" \t"))]
        xml = ""
        i = 0
        while i < len(lead):
            if lead[i] == "\t":
                xml += "<text:tab/>"
                i += 1
            else:
                n = len(lead[i:]) - len(lead[i:].lstrip(" "))
                xml += f'<text:s text:c="{n}"/>'
                i += n
        out.append(f"<text:p>{xml}{escape(line[len(lead):])}</text:p>")
    return "".join(out)


def write_docx(path: Path, lines: Sequence[str | tuple[str, float]]) -> Path:
    """A .docx with one paragraph per line; ``(text, inches)`` sets a left indent."""
    import docx
    from docx.shared import Inches

    document = docx.Document()
    for line in lines:
        text, inches = (line, 0.0) if isinstance(line, str) else line
        paragraph = document.add_paragraph(text)
        if inches:
            paragraph.paragraph_format.left_indent = Inches(inches)
    document.save(str(path))
    return path
