#!/usr/bin/env python3
"""Build the synthetic demo corpus (``corpora/demo/``) from the sources in ``corpora/demo_src/``.

Usage::

    python corpora/build_demo.py            # rewrite corpora/demo/
    python corpora/build_demo.py --out DIR  # write the same files into DIR

Each interview is a module in ``demo_src`` with ``META`` (manifest fields, file format,
encoding, speaker labels) and ``TURNS``:

* ``("Q", section, text)`` or ``("Q", section, text, speaker)``: an interviewer prompt;
  ``section`` is one of the guide's section ids.
* ``("A", text)`` or ``("A", text, speaker)``: a respondent answer. Gold codes are marked
  inline as ``[[tag|one or more whole sentences]]`` or ``[[tag1;tag2|...]]`` (multi-label);
  the markers are removed from the transcript and become rows of ``gold.csv``.

The output is deterministic: the same sources give the same text files byte for byte, and
the DOCX/ODT packages get fixed document metadata and fixed zip entry timestamps.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib
import io
import json
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from demo_src import INTERVIEWS  # noqa: E402
from demo_src.guide import GUIDE  # noqa: E402

DEFAULT_OUT = HERE / "demo"

SECTIONS = ("background", "needs", "choice", "difficulties", "trust", "technology", "closing")
LANGUAGES = ("en", "it", "hu", "el", "nl")
TAGS = (
    "funding_calls",
    "funding_calls/reporting",
    "trust",
    "trust/parents",
    "trust/institutions",
    "trust/safety",
    "regulation",
    "regulation/collaboration_pacts",
    "regulation/legal_status",
    "digital_divide",
)
MANIFEST_COLUMNS = ("interview_id", "file", "city", "country", "role", "date", "language", "names", "interviewer")

ZIP_DATE = (2018, 7, 31, 12, 0, 0)
GOLD_RE = re.compile(r"\[\[([^|\[\]]+)\|(.+?)\]\]", re.S)
SENTENCE_END = ".!?;…»”\")"
CUE_SPLIT_RE = re.compile(r"(?<=[.!?;…])\s(?=\S)")


class SourceError(ValueError):
    pass


# --------------------------------------------------------------------------- sources


def parse_answer(raw: str, where: str) -> tuple[str, list[tuple[str, str]]]:
    """Strip the ``[[tags|span]]`` markers; return the plain text and (tag, span) pairs."""
    gold: list[tuple[str, str]] = []
    out: list[str] = []
    pos = 0
    for m in GOLD_RE.finditer(raw):
        out.append(raw[pos : m.start()])
        tags = [t.strip() for t in m.group(1).split(";") if t.strip()]
        span = m.group(2)
        for tag in tags:
            if tag not in TAGS:
                raise SourceError(f"{where}: unknown tag {tag!r}")
            gold.append((tag, span))
        out.append(span)
        pos = m.end()
    out.append(raw[pos:])
    text = "".join(out)
    if "[[" in text or "]]" in text or "|" in text:
        raise SourceError(f"{where}: unbalanced gold marker in {raw[:60]!r}")
    # every span must be one or more whole sentences of this answer
    for _, span in gold:
        i = text.find(span)
        before, after = text[:i], text[i + len(span) :]
        if span != span.strip() or span[-1] not in SENTENCE_END:
            raise SourceError(f"{where}: span does not end a sentence: {span[-40:]!r}")
        if before and not (before.endswith(" ") and before.rstrip()[-1] in SENTENCE_END):
            raise SourceError(f"{where}: span does not start a sentence: {span[:40]!r}")
        if after and not after.startswith(" "):
            raise SourceError(f"{where}: span cut inside a sentence: {span[-40:]!r}")
    return text, gold


def load_interview(module_name: str) -> dict:
    mod = importlib.import_module(f"demo_src.{module_name}")
    meta = dict(mod.META)
    iid = meta["interview_id"]
    interviewers = list(meta.get("interviewer", []))
    respondent = meta["respondent"]
    turns = []
    last_section = 0
    for n, item in enumerate(mod.TURNS, start=1):
        where = f"{iid} turn {n}"
        kind = item[0]
        if kind == "Q":
            section, text = item[1], item[2]
            speaker = item[3] if len(item) > 3 else (interviewers[0] if interviewers else "")
            if section not in SECTIONS:
                raise SourceError(f"{where}: unknown section {section!r}")
            if SECTIONS.index(section) < last_section:
                raise SourceError(f"{where}: section {section!r} out of guide order")
            last_section = SECTIONS.index(section)
            if interviewers and speaker not in interviewers:
                raise SourceError(f"{where}: {speaker!r} is not a listed interviewer")
            turns.append({"speaker": speaker, "role": "interviewer", "section": section, "text": text, "gold": []})
        elif kind == "A":
            text, gold = parse_answer(item[1], where)
            speaker = item[2] if len(item) > 2 else respondent
            section = turns[-1]["section"] if turns else "background"
            turns.append({"speaker": speaker, "role": "respondent", "section": section, "text": text, "gold": gold})
        else:
            raise SourceError(f"{where}: turn kind must be 'Q' or 'A', not {kind!r}")
        if "  " in text or text != text.strip() or "\n" in text:
            raise SourceError(f"{where}: stray whitespace in {text[:50]!r}")
    return {"meta": meta, "turns": turns}


# --------------------------------------------------------------------------- timing


def _cues(text: str, limit: int = 150) -> list[str]:
    """Split a turn into subtitle-sized chunks of whole sentences (re-joined by one space)."""
    sentences = CUE_SPLIT_RE.split(text)
    chunks: list[str] = []
    for s in sentences:
        if chunks and len(chunks[-1]) + 1 + len(s) <= limit:
            chunks[-1] = chunks[-1] + " " + s
        else:
            chunks.append(s)
    assert " ".join(chunks) == text
    return chunks


def timed(turns: list[dict], t0_ms: int, split: bool) -> list[tuple[str, str, int, int, str]]:
    """(speaker, role, start_ms, end_ms, text) per cue, from a speaking rate of ~14 chars/s."""
    out = []
    t = t0_ms
    for turn in turns:
        pieces = _cues(turn["text"]) if split else [turn["text"]]
        for k, piece in enumerate(pieces):
            dur = max(1200, int(round(len(piece) * 1000 / 14, -1)))
            out.append((turn["speaker"], turn["role"], t, t + dur, piece))
            t += dur + (200 if k < len(pieces) - 1 else 900)
    return out


def _ts(ms: int, sep: str) -> str:
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


# --------------------------------------------------------------------------- writers


def _encode(text: str, meta: dict) -> bytes:
    newline = meta.get("newline", "\n")
    text = text.replace("\n", newline)
    enc = meta.get("encoding", "utf-8")
    if enc == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(enc)  # strict: fails loudly if a character is not representable


def write_txt(iv: dict) -> bytes:
    blocks = [f"{t['speaker']}: {t['text']}" for t in iv["turns"]]
    return _encode("\n\n".join(blocks) + "\n", iv["meta"])


def write_vtt(iv: dict) -> bytes:
    def esc(s: str) -> str:
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    lines = ["WEBVTT", ""]
    for n, (spk, _role, a, b, text) in enumerate(timed(iv["turns"], iv["meta"].get("t0_ms", 4000), True), start=1):
        lines += [f"{iv['meta']['interview_id']}-{n}", f"{_ts(a, '.')} --> {_ts(b, '.')}", f"<v {spk}>{esc(text)}</v>", ""]
    return _encode("\n".join(lines), iv["meta"])


def write_srt(iv: dict) -> bytes:
    lines = []
    for n, (spk, _role, a, b, text) in enumerate(timed(iv["turns"], iv["meta"].get("t0_ms", 4000), True), start=1):
        lines += [str(n), f"{_ts(a, ',')} --> {_ts(b, ',')}", f"{spk}: {text}", ""]
    return _encode("\n".join(lines), iv["meta"])


def write_csv(iv: dict) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["speaker", "role", "start", "end", "text"])
    for spk, role, a, b, text in timed(iv["turns"], iv["meta"].get("t0_ms", 4000), False):
        w.writerow([spk, role, f"{a / 1000:.2f}", f"{b / 1000:.2f}", text])
    return _encode(buf.getvalue(), iv["meta"])


def _fixed_date(meta: dict) -> dt.datetime:
    d = dt.date.fromisoformat(meta["date"]) + dt.timedelta(days=1)
    return dt.datetime(d.year, d.month, d.day, 9, 0, 0)


def _normalise_zip(data: bytes) -> bytes:
    """Re-pack a zip with fixed entry timestamps, keeping entry order and compression."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            new = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            new.compress_type = info.compress_type
            new.external_attr = 0o644 << 16
            new.create_system = 3
            dst.writestr(new, src.read(info.filename))
    return out.getvalue()


def write_docx(iv: dict) -> bytes:
    import docx

    meta = iv["meta"]
    doc = docx.Document()
    cp = doc.core_properties
    cp.author = "qualflow demo corpus"
    cp.last_modified_by = "qualflow demo corpus"
    cp.title = f"{meta['interview_id']} (synthetic interview)"
    cp.subject = f"{meta['city']}, {meta['role']}"
    cp.comments = "Synthetic transcript written for the qualflow demo corpus."
    cp.language = meta["language"]
    cp.keywords = ""
    cp.category = ""
    cp.created = _fixed_date(meta)
    cp.modified = _fixed_date(meta)
    cp.last_printed = _fixed_date(meta)
    cp.revision = 1
    for t in iv["turns"]:
        p = doc.add_paragraph()
        label = p.add_run(f"{t['speaker']}:")
        label.bold = True
        p.add_run(f" {t['text']}")
    buf = io.BytesIO()
    doc.save(buf)
    return _normalise_zip(buf.getvalue())


def write_odt(iv: dict) -> bytes:
    from odf import dc, meta as odfmeta, teletype
    from odf.opendocument import OpenDocumentText
    from odf.style import ParagraphProperties, Style, TextProperties
    from odf.text import P, Span

    meta = iv["meta"]
    doc = OpenDocumentText()
    stamp = _fixed_date(meta).isoformat()
    doc.meta.addElement(dc.Title(text=f"{meta['interview_id']} (synthetic interview)"))
    doc.meta.addElement(dc.Language(text=meta["language"]))
    doc.meta.addElement(odfmeta.CreationDate(text=stamp))
    doc.meta.addElement(dc.Date(text=stamp))

    bold = Style(name="SpeakerLabel", family="text")
    bold.addElement(TextProperties(fontweight="bold"))
    doc.automaticstyles.addElement(bold)
    prompt = Style(name="Prompt", family="paragraph")
    prompt.addElement(ParagraphProperties(margintop="0.25cm", marginbottom="0.1cm"))
    prompt.addElement(TextProperties(fontweight="bold"))
    doc.automaticstyles.addElement(prompt)

    if meta.get("layout") == "numbered":
        # real-transcript layout without speaker labels: numbered prompts, answers after a tab
        section_no = {s: i for i, s in enumerate(SECTIONS, start=1)}
        seen: dict[str, int] = {}
        for t in iv["turns"]:
            if t["role"] == "interviewer":
                k = seen.get(t["section"], 0)
                seen[t["section"]] = k + 1
                num = str(section_no[t["section"]]) + ("" if k == 0 else "." + "abcdefghij"[k - 1])
                p = P(stylename=prompt)
                teletype.addTextToElement(p, f"{num} {t['text']}")
            else:
                p = P()
                teletype.addTextToElement(p, "\t" + t["text"])
            doc.text.addElement(p)
    else:
        for t in iv["turns"]:
            p = P()
            p.addElement(Span(stylename=bold, text=f"{t['speaker']}:"))
            teletype.addTextToElement(p, " " + t["text"])
            doc.text.addElement(p)
    buf = io.BytesIO()
    doc.save(buf)
    return _normalise_zip(buf.getvalue())


WRITERS = {"txt": write_txt, "docx": write_docx, "odt": write_odt, "vtt": write_vtt, "srt": write_srt, "csv": write_csv}


def write_guide() -> str:
    lines = [
        "# Interview guide of the synthetic demo corpus (six sections plus closing).",
        "# Generated by corpora/build_demo.py from corpora/demo_src/guide.py.",
        "sections:",
    ]
    ids = [s["id"] for s in GUIDE]
    if tuple(ids) != SECTIONS:
        raise SourceError(f"guide sections {ids} differ from {SECTIONS}")
    for s in GUIDE:
        lines += [f"  - id: {s['id']}", f"    title: {json.dumps(s['title'], ensure_ascii=False)}", "    questions:"]
        for lang in LANGUAGES:
            qs = s["questions"][lang]
            if not 2 <= len(qs) <= 4:
                raise SourceError(f"guide {s['id']}/{lang}: {len(qs)} questions")
            lines.append(f"      {lang}: {json.dumps(qs, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def build(out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    interviews = [load_interview(name) for name in INTERVIEWS]
    manifest, gold = [], []
    seen_ids, seen_files = set(), set()
    for iv in interviews:
        meta = iv["meta"]
        if meta["interview_id"] in seen_ids or meta["file"] in seen_files:
            raise SourceError(f"duplicate id or file: {meta['interview_id']}")
        seen_ids.add(meta["interview_id"])
        seen_files.add(meta["file"])
        fmt = meta["file"].rsplit(".", 1)[1]
        (out / meta["file"]).write_bytes(WRITERS[fmt](iv))
        manifest.append(
            {
                "interview_id": meta["interview_id"],
                "file": meta["file"],
                "city": meta["city"],
                "country": meta["country"],
                "role": meta["role"],
                "date": meta["date"],
                "language": meta["language"],
                "names": ";".join(meta.get("names", [])),
                "interviewer": ";".join(meta.get("interviewer", [])),
            }
        )
        for t in iv["turns"]:
            for tag, span in t["gold"]:
                gold.append((meta["file"], tag, span))

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(manifest)
    (out / "manifest.csv").write_text(buf.getvalue(), encoding="utf-8")

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["document", "tag", "content"])
    w.writerows(gold)
    (out / "gold.csv").write_text(buf.getvalue(), encoding="utf-8")

    (out / "interview_guide.yaml").write_text(write_guide(), encoding="utf-8")
    respondents = write_survey(out)
    write_reports(out / "documents")
    return {"interviews": interviews, "gold": gold, "respondents": respondents}


# --------------------------------------------------------------------------- survey and reports


def write_survey(out: Path) -> list[dict]:
    """``survey.csv`` (385 respondents) and ``survey.yaml``, from ``demo_src/survey.py``."""
    from demo_src.survey import COLUMNS, SURVEY_YAML, build_rows

    rows = build_rows()
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    (out / "survey.csv").write_text(buf.getvalue(), encoding="utf-8")
    (out / "survey.yaml").write_text(SURVEY_YAML, encoding="utf-8")
    return rows


FONT_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")


def write_pdf(report: dict) -> bytes:
    """A short report: the title, then each page's paragraphs, a page number at the foot.
    Built with reportlab in invariant mode (no dates or random ids in the file)."""
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    font = next((p for p in FONT_PATHS if Path(p).is_file()), None)
    if font is None:  # Greek and Hungarian need a Unicode TrueType font
        raise SourceError(f"no Unicode TrueType font found (looked for {', '.join(FONT_PATHS)})")
    pdfmetrics.registerFont(TTFont("DemoSans", font))
    rl_config.invariant = 1
    body = ParagraphStyle("body", fontName="DemoSans", fontSize=11, leading=15, spaceAfter=14)
    title = ParagraphStyle("title", parent=body, fontSize=14, leading=18, spaceAfter=20)

    def footer(canvas, doc) -> None:
        canvas.setFont("DemoSans", 9)
        canvas.drawCentredString(A4[0] / 2, 30, str(doc.page))

    story = [Paragraph(report["title"], title)]
    for number, paragraphs in enumerate(report["pages"]):
        if number:
            story.append(PageBreak())
        story += [Paragraph(text, body) for text in paragraphs]
    story.append(Spacer(1, 1))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, title=report["title"], author="qualflow demo (synthetic)",
                            creator="corpora/build_demo.py", invariant=1)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def write_reports(out: Path) -> None:
    """``documents/``: the reports of ``demo_src/reports.py`` as PDFs, and their manifest."""
    from demo_src.reports import REPORTS

    out.mkdir(parents=True, exist_ok=True)
    for report in REPORTS:
        (out / report["file"]).write_bytes(write_pdf(report))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["document_id", "file", "city", "country", "date", "language"])
    w.writerows([r["id"], r["file"], r["city"], r["country"], r["date"], r["language"]] for r in REPORTS)
    (out / "manifest.csv").write_text(buf.getvalue(), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: corpora/demo)")
    ap.add_argument("--stats", action="store_true", help="print counts after building")
    args = ap.parse_args(argv)
    res = build(args.out)
    if args.stats:
        print_stats(res)
    return 0


def print_stats(res: dict) -> None:
    from collections import Counter

    ivs = res["interviews"]
    n_turns = sum(len(iv["turns"]) for iv in ivs)
    answers = [(iv["meta"], t) for iv in ivs for t in iv["turns"] if t["role"] == "respondent"]
    coded = sum(1 for _, t in answers if t["gold"])
    print(f"interviews {len(ivs)}  turns {n_turns}  respondent answers {len(answers)}  coded {coded} ({coded / len(answers):.0%})")
    lang_of = {iv["meta"]["file"]: iv["meta"]["language"] for iv in ivs}
    for iv in ivs:
        m = iv["meta"]
        a = [t for t in iv["turns"] if t["role"] == "respondent"]
        print(f"  {m['interview_id']:6} {m['file']:28} {len(iv['turns']):3} turns  {len(a):3} answers  {sum(1 for t in a if t['gold']):3} coded")
    c = Counter((tag.split("/")[0], lang_of[doc]) for doc, tag, _ in res["gold"])
    print("gold rows by top-level code and language:")
    for code in ("funding_calls", "trust", "regulation", "digital_divide"):
        print(f"  {code:15}", "  ".join(f"{lang}={c[(code, lang)]:2}" for lang in ("it", "hu", "el", "nl", "en")))
    print("gold rows by tag:", dict(sorted(Counter(tag for _, tag, _ in res["gold"]).items())))


if __name__ == "__main__":
    sys.exit(main())
