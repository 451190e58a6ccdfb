"""Emergent themes (topics that map to no code): coders name them and turn them into codes."""

from __future__ import annotations

import re
import unicodedata

from typing import TYPE_CHECKING

from app.errors import BadRequest, Conflict
from app.permissions import CurrentUser
from pipeline.errors import NotFound
from pipeline.store import audit
from pipeline.store.db import Store
from pipeline.store.runs import (add_emergent_code, code_labels_of_origin, emergent_topics, excerpt_texts, has_code,
                                 latest_signoffs, topic_row)
from pipeline.store.studies import get_run

if TYPE_CHECKING:  # a row the store hands back
    from pipeline.store.models import TopicRow

MAX_NAME = 120


def code_name(theme_name: str) -> str:
    """A code name from a theme name: lower case, accents dropped, words joined by ``_``."""
    ascii_ = unicodedata.normalize("NFKD", theme_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_")
    if not slug:  # a name in a non-Latin script
        slug = "theme_" + re.sub(r"\W+", "_", theme_name.lower(), flags=re.UNICODE).strip("_")
    return slug[:60]


def _topic(s, run_id: str, topic_id: int) -> TopicRow:
    row = topic_row(s, run_id, topic_id)
    if row is None:
        raise NotFound(f"Run {run_id!r} has no topic {topic_id}.")
    if not row.emergent:
        raise BadRequest(f"Topic {topic_id} maps to codebook codes; only emergent themes are named here.")
    return row


def _signed_cities_showing(s, run_id: str, topic_id: int) -> list[str]:
    """Cities whose signed, still-locked summary shows this theme.

    A theme's name is part of what the validator read and signed; renaming it would change
    the signed summary (and reopen it as "changed since sign-off") though no code changed.
    """
    from app.summaries import city_state

    latest = latest_signoffs(s, run_id)
    run = get_run(s, run_id)
    return sorted(city for city, row in latest.items()
                  if any(t.get("topic_id") == topic_id for t in row.content.get("emergent_themes", []))
                  and city_state(s, run, city).locked)


def name_theme(store: Store, user: CurrentUser, run_id: str, topic_id: int, name: str) -> None:
    """Name (or rename) an emergent theme, unless a signed city summary shows it."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise BadRequest(f"A theme name is 1-{MAX_NAME} characters.")
    with store.transaction() as s:
        row = _topic(s, run_id, topic_id)
        signed = _signed_cities_showing(s, run_id, topic_id)
        if signed and name != row.name:
            raise Conflict(f"This theme is part of the signed summary of {', '.join(signed)}; it can be renamed "
                           "only once that summary is open again.")
        before, row.name = row.name, name
        audit.record(s, user.id, "theme_name", "topic", f"{run_id}/{topic_id}", {"before": before, "after": name},
                     run_id=run_id)


def promote_theme(store: Store, user: CurrentUser, run_id: str, topic_id: int, description: str = "") -> str:
    """Add a code (origin ``emergent``) to the run's codebook for a named theme; its name."""
    with store.transaction() as s:
        row = _topic(s, run_id, topic_id)
        if not row.name:
            raise BadRequest("Name the theme before turning it into a code.")
        run = get_run(s, run_id)
        if run.codebook_id is None:
            raise BadRequest(f"Run {run_id!r} has no codebook to add a code to.")
        name = code_name(row.name)
        if has_code(s, run.codebook_id, name):
            raise Conflict(f"The codebook already has a code {name!r}.")
        add_emergent_code(s, run.codebook_id, name, row.name, description.strip() or
                          f"Emergent theme (topic {topic_id} of run {run_id}): " + ", ".join(row.keywords[:8]))
        audit.record(s, user.id, "code_from_theme", "code", f"{run.codebook_id}/{name}",
                     {"run": run_id, "topic": topic_id, "label": row.name}, run_id=run_id)
        return name


def emergent_themes(store: Store, run_id: str) -> list[dict]:
    with store.session() as s:
        run = get_run(s, run_id)
        promoted = set()
        if run is not None and run.codebook_id:
            promoted = code_labels_of_origin(s, run.codebook_id, "emergent")
        out = []
        for r in emergent_topics(s, run_id):
            examples = excerpt_texts(s, r.representative_ids[:3])
            out.append({"topic_id": r.topic_id, "label": r.label, "keywords": list(r.keywords), "size": r.size,
                        "name": r.name, "examples": examples, "is_code": bool(r.name and r.name in promoted),
                        "new_in_run": r.new_in_run})
        return out
