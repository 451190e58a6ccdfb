"""Official documents (reports, plans, calls for proposals): paragraphs, not speaker turns.

A document is read as a sequence of paragraphs, each one ``RawTurn`` with speaker
``"document"`` and ``source_type="document"``: no speaker labels are looked for, so a line
such as "Note: the call closes in May" stays text. Formats:

- ``.pdf``: always a document (``pdf``), with the page of each paragraph;
- ``.docx``, ``.odt``: one paragraph per paragraph (tables row by row), no pages;
- ``.txt``: paragraphs are separated by blank lines, lines inside one are joined.

Which files are documents: every ``.pdf``, every file in the corpus's ``documents/`` folder,
and any file whose manifest row says ``source_type`` ``document`` (``corpus.py``).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import InvalidInput
from pipeline.ingest.encoding import read_text
from pipeline.ingest.pdf import DOCUMENT_SPEAKER, PdfReader
from pipeline.records import RawTranscript, RawTurn

DOCUMENT_SUFFIXES = (".pdf", ".docx", ".odt", ".txt")


def _turns(texts: list[str]) -> tuple[RawTurn, ...]:
    return tuple(RawTurn(text=" ".join(t.split()), speaker=DOCUMENT_SPEAKER, role="respondent")
                 for t in texts if t.strip())


def read_document(path: Path) -> RawTranscript:
    """Read ``path`` as a document; ``InvalidInput`` for a format that cannot be one, or no text."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return PdfReader().read(path)
    encoding = None
    if suffix == ".docx":
        from pipeline.ingest.docx import DocxReader

        turns = _turns([p.text for p in DocxReader().paragraphs(path)])
    elif suffix == ".odt":
        from pipeline.ingest.odt import OdtReader

        turns = _turns([p.text for p in OdtReader().paragraphs(path)])
    elif suffix == ".txt":
        text, encoding = read_text(path)
        blocks, current = [], []
        for line in text.split("\n"):
            if line.strip():
                current.append(line.strip())
            elif current:
                blocks.append(" ".join(current))
                current = []
        if current:
            blocks.append(" ".join(current))
        turns = _turns(blocks)
    else:
        raise InvalidInput(path, f"a document must be one of {', '.join(DOCUMENT_SUFFIXES)}, not {suffix or '(no suffix)'}")
    if not turns:
        raise InvalidInput(path, "no text found (every paragraph is empty)")
    return RawTranscript(path=str(path), format=suffix.lstrip("."), encoding=encoding, turns=turns,
                         source_type="document")
