"""Official documents in PDF (``.pdf``, read with pdfminer.six): one turn per paragraph, page kept.

A PDF is always a document (``source_type="document"``), never an interview: a transcript
exported to PDF is better read from its ``.docx``/``.txt``. pdfminer's layout analysis groups
lines into text boxes, which for running text are paragraphs; each box becomes one
``RawTurn`` with speaker ``"document"`` and its 1-based ``page``. Lines inside a box are
joined with a space; a hyphen ending a line after a word of two or more letters, before a
line that starts in lower case, is taken for a soft hyphen and dropped ("orga-" + "nisation"
gives "organisation"; a real compound split there loses its hyphen, which coding does not
notice). Boxes that are only a page number ("4", "- 4 -", "p. 4", "4/12") are dropped.

A PDF with no text at all (a scan without a text layer) is an ``InvalidInput`` saying so,
which quarantines it; so is an encrypted or damaged file.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import InvalidInput
from pipeline.ingest.base import register_reader
from pipeline.records import RawTranscript, RawTurn

DOCUMENT_SPEAKER = "document"
_PAGE_NUMBER = re.compile(r"(?:[-–—]\s*)?(?:p(?:age|\.)?\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?(?:\s*[-–—])?",
                          re.IGNORECASE)
_HYPHENATED = re.compile(r"(\w{2,})-$")

NO_TEXT_LAYER = ("no text layer: every page is an image (a scanned document?); run OCR on it first "
                 "(e.g. ocrmypdf) and add the searchable PDF")


def _join_lines(lines: list[str]) -> str:
    text = ""
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        if text and _HYPHENATED.search(text) and line[:1].islower():
            text = text[:-1] + line
        else:
            text = f"{text} {line}" if text else line
    return text


def pdf_paragraphs(path: Path) -> list[tuple[int, str]]:
    """``(page, paragraph text)`` in reading order; raises ``InvalidInput`` for an unreadable PDF."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer, LTTextLine
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psexceptions import PSException

    if path.stat().st_size == 0:
        raise InvalidInput(path, "empty file")
    with path.open("rb") as f:
        if not f.read(1024).lstrip().startswith(b"%PDF"):
            raise InvalidInput(path, "not a PDF (no %PDF header)")
    out: list[tuple[int, str]] = []
    try:
        for number, page in enumerate(extract_pages(str(path), laparams=LAParams()), start=1):
            for element in page:
                if not isinstance(element, LTTextContainer):
                    continue
                lines = [line.get_text() for line in element if isinstance(line, LTTextLine)] or [element.get_text()]
                text = _join_lines(lines)
                if text and not _PAGE_NUMBER.fullmatch(text):
                    out.append((number, text))
    except (PDFEncryptionError, PDFPasswordIncorrect) as err:
        raise InvalidInput(path, f"encrypted PDF: cannot read its text ({type(err).__name__})") from err
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as err:
        raise InvalidInput(path, f"not a readable PDF (damaged or truncated: {err})") from err
    return out


class PdfReader:
    format = "pdf"
    suffixes = (".pdf",)

    def read(self, path: Path) -> RawTranscript:
        paragraphs = pdf_paragraphs(path)
        if not paragraphs:
            raise InvalidInput(path, NO_TEXT_LAYER)
        turns = tuple(RawTurn(text=text, speaker=DOCUMENT_SPEAKER, role="respondent", page=page)
                      for page, text in paragraphs)
        return RawTranscript(path=str(path), format=self.format, encoding=None, turns=turns, source_type="document")


register_reader(PdfReader())
