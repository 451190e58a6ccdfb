"""A signed city summary as PDF, drawn with reportlab (pure Python, no browser, no network).

The text font is the first Unicode TrueType font found (DejaVu Sans, Liberation Sans, Noto
Sans) so Greek, Hungarian or any other script prints as written; without one, reportlab's
built-in Helvetica is used and characters outside Latin-1 are shown as "?".
"""

from __future__ import annotations

import io
from pathlib import Path

from pipeline.summaries.study import TRIANGULATION_COLUMNS, triangulation_cells
from pipeline.summaries.triangulate import triangulation_from_dict

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/arial.ttf",
)
_font: str | None = None


def _register_font() -> str:
    global _font
    if _font is None:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        _font = "Helvetica"
        for path in FONT_CANDIDATES:
            if Path(path).is_file():
                try:
                    pdfmetrics.registerFont(TTFont("QualflowSans", path))
                    _font = "QualflowSans"
                    break
                except Exception:  # an unreadable font file: try the next one
                    continue
    return _font


def _text(value: object, font: str) -> str:
    from xml.sax.saxutils import escape

    text = "" if value is None else str(value)
    if font == "Helvetica":
        text = text.encode("latin-1", "replace").decode("latin-1")
    return escape(text).replace("\n", "<br/>")


def signed_summary_pdf(content: dict, *, validator: str, signed_at: str, comment: str, sha256: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _register_font()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    body, h1, h2, small = styles["BodyText"], styles["Title"], styles["Heading2"], styles["Italic"]

    def p(value, style=body):
        return Paragraph(_text(value, font), style)

    def grid(data):
        t = Table(data, repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    across = "codes" not in content  # the cross-city comparison carries the study's keys only
    title = ("Across cities: common trends and differences" if across
             else f"{content['city']}: barriers to co-producing childcare")
    story = [p(title, h1),
             p(f"Signed off by {validator} on {signed_at}. Run {content['run_id']}, codebook "
               f"{content['codebook']['id']}."),
             p(f"sha256 of the signed content: {sha256}", small)]
    if comment:
        story.append(p(f"Comment: {comment}"))
    if not across:
        story += _city_story(content, p, grid, body, h2, styles["Heading3"], small)
    else:
        story += [Spacer(1, 4 * mm), p("Narrative", h2), p(content["narrative"] or "(no narrative)")]
    story += _study_story(content, p, grid, h2, styles["Heading3"], small)
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"{content['city']} summary (signed)", author=validator,
                      leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm).build(story)
    return out.getvalue()


def _city_story(content: dict, p, grid, body, h2, h3, small) -> list:
    """Counts, prevalence, narrative, quotes, themes and evidence of one city's signed content."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    label = {c["name"]: c["label"] for c in content["codes"]}
    story = [Spacer(1, 4 * mm), p(f"{content['interviews']} interviews, {content['excerpts']} excerpts, "
                                  f"{content['reviewed_excerpts']} reviewed by coders.")]

    def table(title, key, column, columns):
        rows = {(r["code"], r[column]): r for r in content[key]}
        data = [[p("Code", body)] + [p(c.replace("_", " ")) for c in columns]]
        for code in content["codes"]:
            line = [p(label[code["name"]])]
            for c in columns:
                r = rows.get((code["name"], c))
                share = r["excerpts"] / r["of_excerpts"] if r and r["of_excerpts"] else 0
                line.append(p(f"{share:.0%} ({r['excerpts']}/{r['of_excerpts']})" if r else "–"))
            data.append(line)
        return [Spacer(1, 4 * mm), p(title, h2), grid(data)]

    story += table("Prevalence by respondent role", "prevalence_by_role", "role", ["all", *content["roles"]])
    story += table("Prevalence by interview-guide section", "prevalence_by_section", "section", content["sections"])
    story += [Spacer(1, 4 * mm), p("Narrative", h2), p(content["narrative"] or "(no narrative)")]
    story += [Spacer(1, 4 * mm), p("Quotes (original language)", h2)]
    for code in content["codes"]:
        quotes = content["quotes"].get(code["name"], [])
        if quotes:
            story.append(p(label[code["name"]], h3))
            for q in quotes:
                story.append(p(f"“{q['text']}” — {q['interview_id']}, {q['role'] or 'unknown role'}, "
                               f"{q['language'] or '?'}"))
    story += [Spacer(1, 4 * mm), p("Emergent themes", h2)]
    for t in content["emergent_themes"] or [{"name": None, "label": "none", "keywords": [], "excerpts": 0}]:
        story.append(p(f"{t['name'] or t['label']} ({t['excerpts']} excerpts): {', '.join(t['keywords'][:8])}"))
    story += [Spacer(1, 4 * mm), p("Evidence (excerpt ids behind each code)", h2)]
    for code in content["codes"]:
        ids = content["evidence"].get(code["name"], [])
        story.append(p(f"{label[code['name']]}: {', '.join(ids) if ids else 'none'}", small))
    return story


def _study_story(content: dict, p, grid, h2, h3, small) -> list:
    """Triangulation (interviews, survey, reports) and the policy narrative with its links;
    nothing for a summary signed before the study's analysis existed."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    if not content.get("triangulation"):
        return []
    tri = triangulation_from_dict(content["triangulation"])
    story = [Spacer(1, 4 * mm), p("Triangulation: interviews, survey and official reports", h2)]
    for city in tri.cities:
        if len(tri.cities) > 1:
            story.append(p(city.city, h3))
        story.append(p(f"{city.interviews} interviews, {city.survey_answers} survey respondents with open "
                       f"answers, {city.documents} official reports."))
        data = [[p(h) for h in TRIANGULATION_COLUMNS]]
        data += [[p(cell) for cell in triangulation_cells(tri, ev)] for ev in city.barriers]
        story.append(grid(data))
    sections = content.get("policy_narrative", {}).get("sections", [])
    if sections:
        story += [Spacer(1, 4 * mm), p("Policy narrative: the extractive draft and its evidence", h2)]
        for section in sections:
            story.append(p(section["title"], h3))
            for claim in section["claims"]:
                story.append(p(claim["text"]))
                links = [f"{link['id']}" + (f" p. {link['page']}" if link.get("page") is not None else "")
                         for link in claim.get("links", [])]
                if links:
                    story.append(p("Evidence: " + ", ".join(links), small))
    return story
