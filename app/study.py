"""The study's analysis for validators: triangulation, policy narratives and their pictures.

Built from *accepted* codes, like the city summaries, and signed with them: the content
adds ``triangulation`` (interviews, survey and report evidence per barrier), ``policy_narrative``
(the extractive draft) and ``sources`` (every survey closed-item summary of the city and a
hash of every open answer and report passage with its page), so a changed survey summary or
report passage makes the summary "changed since sign-off".

The survey's closed-item summaries are read from the run: ``runs.summary["survey"]["closed"]``
when the run stored them there, else ``run.json``'s ``"survey": {"closed": [...]}`` in the run
folder; none when the run had no survey.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from pipeline.records import Codebook
from pipeline.summaries.narrative import ACROSS, city_narrative, comparison_narrative
from pipeline.summaries.pictures import likert_svg, matrix_svg, roles_svg
from pipeline.summaries.triangulate import (closed_item, page_of, source_type, triangulate,
                                            triangulation_from_dict, triangulation_to_dict)

if TYPE_CHECKING:  # a run row, as the store's functions return it
    from pipeline.store.models import Run

ACROSS_CITY = "*"
"""Where the cross-city comparison's narrative and sign-offs are kept (``summary_drafts.city``,
``signoffs.city``): no manifest names a city ``*``, and the existing tables need no migration."""


def closed_items_of(run: Run) -> list[dict]:
    """The run's survey closed-item summaries as plain dicts (empty without a survey)."""
    survey = (run.summary or {}).get("survey")
    if survey is None and run.output_dir:
        path = Path(run.output_dir) / "run.json"
        if path.is_file():
            survey = json.loads(path.read_text(encoding="utf-8")).get("survey")
    return [closed_item(c) for c in (survey or {}).get("closed", [])]


def _sources(excerpts, items: list[dict]) -> dict:
    """What the signature must cover beyond accepted codes: survey summaries and the text and
    page of every open answer and report passage."""
    return {
        "survey_closed": sorted(items, key=lambda i: (i["city"], i["item"])),
        "passages": [{"id": e.id, "type": source_type(e), "page": page_of(e),
                      "sha256": hashlib.sha256(e.text.encode("utf-8")).hexdigest()}
                     for e in sorted(excerpts, key=lambda e: e.id) if source_type(e) != "interview"],
    }


def city_study(run: Run, city: str, transcripts, excerpts, codes_of: dict, book: Codebook) -> dict:
    """The study's keys of one city's signed content."""
    items = [i for i in closed_items_of(run) if i["city"] == city]
    tri = triangulate(excerpts, codes_of, transcripts, book, items)
    return {"triangulation": triangulation_to_dict(tri),
            "policy_narrative": city_narrative(tri, city, excerpts) if tri.cities else {"scope": city, "sections": []},
            "sources": _sources(excerpts, items)}


def comparison_study(run: Run, transcripts, excerpts, codes_of: dict, book: Codebook) -> dict:
    items = closed_items_of(run)
    tri = triangulate(excerpts, codes_of, transcripts, book, items)
    return {"triangulation": triangulation_to_dict(tri), "policy_narrative": comparison_narrative(tri, excerpts),
            "sources": _sources(excerpts, items)}


def pictures(content: dict) -> dict[str, Markup]:
    """The study's pictures from (signed or live) content; SVG built with every label escaped."""
    tri = triangulation_from_dict(content["triangulation"])
    city = content.get("city")
    one = city is not None and city != ACROSS_CITY and any(c.city == city for c in tri.cities)
    return {"matrix": Markup(matrix_svg(tri, city if one else None)),
            "roles": Markup(roles_svg(tri, city) if one else ""),
            "likert": Markup(likert_svg(tri.closed_items))}


def draft_text(content: dict) -> str:
    """The narrative draft as plain text: what the validator's narrative starts from."""
    lines = []
    for section in content.get("policy_narrative", {}).get("sections", []):
        lines += [section["title"], *[c["text"] for c in section["claims"]], ""]
    return "\n".join(lines).strip()


__all__ = ["ACROSS", "ACROSS_CITY", "city_study", "closed_items_of", "comparison_study", "draft_text", "pictures"]
