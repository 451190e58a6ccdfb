"""The study's analysis in a run's outputs: triangulation and policy narratives in
``city_summaries/`` and ``report.html``.

``study_analysis`` is the one call the run makes: it triangulates the run's coded excerpts
with the survey's closed-item summaries (empty until a survey is read) and drafts the
narratives. The rest renders them as Markdown and as HTML (every piece of text escaped).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any, Sequence

from pipeline.records import Codebook, Excerpt
from pipeline.summaries.narrative import ACROSS, city_narrative, comparison_narrative, render_narrative_markdown
from pipeline.summaries.pictures import likert_svg, matrix_svg, roles_svg
from pipeline.summaries.triangulate import Triangulation, triangulate

COMPARISON_FILE = "_across_cities.md"
"""The cross-city comparison's file in ``city_summaries/`` (a leading ``_``: no city file is named so)."""


@dataclass(frozen=True)
class StudyAnalysis:
    triangulation: Triangulation
    narratives: dict[str, dict]
    """Per city, and ``ACROSS`` for the comparison."""


def study_analysis(excerpts: Sequence[Excerpt], codings: Any, transcripts: Any, codebook: Codebook,
                   closed_items: Sequence[Any] = (), *, quotes: int = 3) -> StudyAnalysis:
    tri = triangulate(excerpts, codings, transcripts, codebook, closed_items, quotes=quotes)
    narratives = {c.city: city_narrative(tri, c.city, excerpts) for c in tri.cities}
    narratives[ACROSS] = comparison_narrative(tri, excerpts)
    return StudyAnalysis(tri, narratives)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def closed_item_text(item: dict) -> str:
    """A closed survey item in a few words: its share agreeing (or answering yes), else its mean, and n."""
    if item["agree_share"] is not None:
        figure = f"{item['agree_share']:.0%} " + ("yes" if item.get("kind") == "yes_no" else "agree")
    elif item["mean"] is not None:
        figure = f"mean {item['mean']:.2f}"
    else:
        figure = "n/a"
    return f"{item['label'] or item['item']}: {figure} (n={item['n']})"


TRIANGULATION_COLUMNS = ("Barrier", "Interviews", "Survey: open answers", "Survey: linked closed items", "Reports",
                         "Flags")


def triangulation_cells(tri: Triangulation, ev) -> list[str]:
    """One barrier's row of a city's triangulation table (``TRIANGULATION_COLUMNS``), as text:
    the run's Markdown and the signed PDF show the same cells."""
    pages = sorted({q.page for q in ev.document_quotes if q.page is not None})
    return [tri.labels[ev.barrier],
            f"{ev.interviews.sources}/{ev.interviews.of_sources} interviews, "
            f"{ev.interviews.excerpts}/{ev.interviews.of_excerpts} excerpts",
            f"{ev.survey_answers.excerpts}/{ev.survey_answers.of_excerpts}",
            "; ".join(closed_item_text(i) for i in ev.closed_items) or "–",
            f"{ev.documents.excerpts}/{ev.documents.of_excerpts} passages"
            + (f" (pp. {', '.join(map(str, pages))})" if pages else ""),
            "; ".join(f.message for f in ev.flags) or "–"]


def triangulation_markdown(tri: Triangulation, city: str) -> str:
    c = tri.city(city)
    lines = ["## Triangulation: interviews, survey and official reports", "",
             f"{c.interviews} interviews, {c.survey_answers} survey respondents with open answers, "
             f"{c.documents} official reports. Closed survey items are those linked to the barrier.", "",
             "| " + " | ".join(TRIANGULATION_COLUMNS) + " |",
             "|---|---|---|---|---|---|"]
    for ev in c.barriers:
        lines.append("| " + " | ".join(_md(cell) for cell in triangulation_cells(tri, ev)) + " |")
    if tri.conditions:
        lines += ["", "### Barriers by condition (interview excerpts carrying both)", "",
                  "| Barrier | " + " | ".join(_md(tri.labels[k]) for k in tri.conditions) + " |",
                  "|---|" + "---|" * len(tri.conditions)]
        for ev in c.barriers:
            lines.append(f"| {_md(tri.labels[ev.barrier])} | "
                         + " | ".join(f"{k.excerpts}/{k.of_excerpts}" for k in ev.by_condition) + " |")
    lines.append("")
    return "\n".join(lines)


def city_markdown(analysis: StudyAnalysis, city: str) -> str:
    """The sections appended to ``city_summaries/<city>.md``."""
    return (triangulation_markdown(analysis.triangulation, city) + "\n"
            + render_narrative_markdown(analysis.narratives[city], title="Policy narrative (draft)"))


def comparison_markdown(analysis: StudyAnalysis, run_id: str) -> str:
    return (f"# Across cities: common trends and differences\n\n> **Draft** from *suggested* codes (run `{run_id}`).\n\n"
            + render_narrative_markdown(analysis.narratives[ACROSS], title="Cross-city comparison (draft)"))


def _refs(links: list[dict], shown: int = 6) -> str:
    refs = [link["id"] + (f" p. {link['page']}" if link["page"] is not None else "") for link in links[:shown]]
    more = f" and {len(links) - shown} more" if len(links) > shown else ""
    return f"[{', '.join(refs)}{more}]" if refs else ""


def narrative_html(narrative: dict) -> str:
    parts = []
    for section in narrative["sections"]:
        items = "".join(f"<li class='claim {escape(c['kind'])}'>{escape(c['text'])} <small>{escape(_refs(c['links']))}"
                        "</small></li>" for c in section["claims"])
        parts.append(f"<h4>{escape(section['title'])}</h4><ul>{items}</ul>")
    return "".join(parts)


def report_sections(analysis: StudyAnalysis) -> str:
    """The study's part of ``report.html``."""
    tri = analysis.triangulation
    flags = [f for c in tri.cities for ev in c.barriers for f in ev.flags]
    likert = likert_svg(tri.closed_items)
    per_city = "".join(
        f"<h3>{escape(c.city)}</h3>{matrix_svg(tri, c.city)}{roles_svg(tri, c.city)}"
        f"<details><summary>Policy narrative (draft)</summary>{narrative_html(analysis.narratives[c.city])}</details>"
        for c in tri.cities)
    return (
        "<h2>Barriers read against the conditions</h2>"
        "<p>Interview excerpts carrying a barrier and a condition, of those carrying the barrier.</p>"
        f"{matrix_svg(tri) or '<p>The codebook has no conditions.</p>'}"
        + (f"<h2>Survey: closed items by city</h2>{likert}" if likert else "")
        + "<h2>Where the sources disagree</h2>"
        + (("<ul>" + "".join(f"<li>{escape(f.message)}</li>" for f in flags) + "</ul>") if flags
           else "<p>No disagreement between interviews, survey and reports by the rule.</p>")
        + f"<h2>Cities</h2>{per_city}"
        + f"<h2>Across cities (draft)</h2>{narrative_html(analysis.narratives[ACROSS])}")


__all__ = ["COMPARISON_FILE", "StudyAnalysis", "city_markdown", "closed_item_text", "comparison_markdown",
           "narrative_html", "report_sections", "study_analysis", "TRIANGULATION_COLUMNS", "triangulation_cells",
           "triangulation_markdown"]
