"""Official documents: PDFs (paragraphs with their pages, scans quarantined) and reports in
docx/odt/txt read as paragraphs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pipeline.errors import InvalidInput
from pipeline.ingest import ingest_corpus, ingest_file
from pipeline.ingest.documents import read_document
from pipeline.ingest.pdf import NO_TEXT_LAYER, PdfReader
from pipeline.segment import segment_transcript

from .files import write_docx

PAGES = [
    ["Annual report on after-school childcare.",
     "Small associations find the public calls hard: the financial reporting takes staff they do not have.",
     "Note: the call for 2019 closes in May, and applicants need a legal personality."],
    ["Parents ask for clear rules from the start and one contact person at the municipality.",
     "A shared online calendar helps with pick-ups, but some families have no internet at home."],
]
FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf")


def write_pdf(path: Path, pages: list[list[str]], font: str = "Helvetica") -> Path:
    """A text PDF made with reportlab: each page's paragraphs, and a page number at the foot."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    style = ParagraphStyle("body", fontName=font, fontSize=11, leading=15, spaceAfter=14)
    story = []
    for i, paragraphs in enumerate(pages):
        story += ([PageBreak()] if i else []) + [Paragraph(p.replace("&", "&amp;"), style) for p in paragraphs]

    def footer(canvas, doc):
        canvas.setFont("Helvetica", 9)
        canvas.drawCentredString(A4[0] / 2, 30, f"- {doc.page} -")

    SimpleDocTemplate(str(path), pagesize=A4).build(story, onFirstPage=footer, onLaterPages=footer)
    return path


def write_scan(path: Path) -> Path:
    """A 'scanned' page: an image of text, and no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    image = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(image).text((20, 80), "Annual report on after-school childcare", fill=0)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    canvas = Canvas(str(path), pagesize=A4)
    canvas.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 50, 500, width=500, height=166)
    canvas.showPage()
    canvas.save()
    return path


def test_paragraphs_keep_their_pages_and_page_numbers_are_dropped(tmp_path):
    raw = PdfReader().read(write_pdf(tmp_path / "report.pdf", PAGES))
    assert raw.source_type == "document" and raw.format == "pdf"
    assert [(t.page, t.text) for t in raw.turns] == [(1, p) for p in PAGES[0]] + [(2, p) for p in PAGES[1]]
    assert {t.speaker for t in raw.turns} == {"document"}  # "Note:" is text, not a speaker


def test_a_pdf_transcript_gives_document_excerpts_cited_by_page(tmp_path):
    transcript = ingest_file(write_pdf(tmp_path / "report.pdf", PAGES))
    assert transcript.source_type == "document"
    excerpts = segment_transcript(transcript)
    assert excerpts and {e.source_type for e in excerpts} == {"document"}
    by_text = {e.text: e for e in excerpts}
    assert by_text[PAGES[1][0]].page == 2 and by_text[PAGES[0][1]].page == 1
    assert all(transcript.text[e.start:e.end] == e.text and e.question is None for e in excerpts)


def test_greek_text_is_extracted(tmp_path):
    font = next((f for f in FONTS if Path(f).is_file()), None)
    if font is None:
        pytest.skip("no DejaVu Sans font to write Greek with (Debian: fonts-dejavu-core)")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("TestSans", font))
    text = "Οι γονείς ζητούν σαφείς κανόνες από την αρχή και ένα πρόσωπο αναφοράς στον δήμο."
    raw = PdfReader().read(write_pdf(tmp_path / "el.pdf", [[text]], font="TestSans"))
    assert [t.text for t in raw.turns] == [text]


def test_a_scanned_pdf_without_a_text_layer_is_refused_with_that_reason(tmp_path):
    with pytest.raises(InvalidInput) as err:
        PdfReader().read(write_scan(tmp_path / "scan.pdf"))
    assert err.value.why == NO_TEXT_LAYER and "no text layer" in str(err.value)


@pytest.mark.parametrize("content, why", [(b"%PDF-1.4\n1 0 obj <<", "not a readable PDF"),
                                          (b"hello", "not a PDF"), (b"", "empty file")])
def test_broken_pdfs_are_invalid_input(tmp_path, content, why):
    (tmp_path / "bad.pdf").write_bytes(content)
    with pytest.raises(InvalidInput, match=why):
        PdfReader().read(tmp_path / "bad.pdf")


def test_reports_in_docx_and_txt_are_read_as_paragraphs(tmp_path):
    write_docx(tmp_path / "plan.docx", ["Note: the plan runs until 2020.", "Parents: they ask for clear rules."])
    (tmp_path / "plan.txt").write_text("Note: the plan runs\nuntil 2020.\n\nParents: they ask for clear rules.\n",
                                       encoding="utf-8")
    for name in ("plan.docx", "plan.txt"):
        raw = read_document(tmp_path / name)
        assert raw.source_type == "document"
        assert [(t.speaker, t.text) for t in raw.turns] == [
            ("document", "Note: the plan runs until 2020."), ("document", "Parents: they ask for clear rules.")]


def test_a_corpus_reads_documents_beside_interviews_and_quarantines_a_scan(tmp_path):
    (tmp_path / "i1.txt").write_text("Interviewer: What was hard?\n\nRespondent: The calls for funding were hard "
                                     "for us, and the reporting too.\n", encoding="utf-8")
    docs = tmp_path / "documents"
    docs.mkdir()
    write_pdf(docs / "report.pdf", PAGES)
    write_scan(docs / "scan.pdf")
    (docs / "note.txt").write_text("Speaker: this line is a report's text, not a turn.\n", encoding="utf-8")
    (docs / "manifest.csv").write_text("document_id,file,city,language\nREP-1,report.pdf,Bologna,en\n"
                                       "REP-2,scan.pdf,Bologna,en\nREP-3,note.txt,Kortrijk,en\n", encoding="utf-8")
    result = ingest_corpus(tmp_path)
    by_id = {t.id: t for t in result.transcripts}
    assert set(by_id) == {"i1", "REP-1", "REP-3"}
    assert by_id["i1"].source_type == "interview"
    assert by_id["REP-1"].source_type == "document" and by_id["REP-1"].meta.city == "Bologna"
    assert by_id["REP-1"].meta.file == "documents/report.pdf"
    assert [t.speaker for t in by_id["REP-3"].turns] == ["document"]
    assert [(q.file, q.reason) for q in result.quarantined] == [("documents/scan.pdf", NO_TEXT_LAYER)]
