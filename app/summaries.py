"""City summaries from *accepted* codes, narratives and sign-offs.

What is signed is a plain dict (``summary_content``): counts, evidence excerpt ids, quotes,
emergent themes, the narrative and the basis (the latest decision behind it). Its hash is
the sha256 of its canonical JSON: keys sorted, no insignificant white space, UTF-8. The
city's own numbers are counts (shares are computed when shown); the study's part
(``app.study``: triangulation, narrative draft, survey summaries, report passages) also holds
survey shares and quote confidences as floats, in Python's shortest round-tripping form, so a
stored copy hashes the same when read back. The cross-city comparison (``comparison_content``)
is signed the same way under the city ``app.study.ACROSS_CITY``. Sign-offs are append-only; the latest
one for a run and city locks the summary until the live content, built again with the
signed narrative, no longer hashes to what was signed ("changed since sign-off").
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Iterable

from sqlalchemy.orm import Session

from app import study
from app.errors import BadRequest, Conflict
from app.permissions import CurrentUser
from app.review import codes_of, double_coded, effective
from pipeline.errors import NotFound
from pipeline.records import GUIDE_SECTIONS
from pipeline.quality import precedence
from pipeline.store import audit
from pipeline.store import signoffs as signed
from pipeline.store.codebooks import codebook_for
from pipeline.store.db import Store
from pipeline.store.decisions import decisions_on_many, last_decision_id
from pipeline.store.runs import city_name, run_material, suggestion_confidences, topics_of
from pipeline.store.signoffs import signoffs_of
from pipeline.summaries.city import build_city_summaries

if TYPE_CHECKING:
    from pipeline.store.models import Decision, Run, SignOff

SCHEMA = "qualflow.city-summary/1"
MAX_NARRATIVE = 50_000
MAX_COMMENT = 5_000


def canonical_json(content: dict) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_sha256(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def accepted_codes(session: Session, run_id: str, excerpt_ids: Iterable[str]) -> dict[str, set[str]]:
    """The consolidated code set of each excerpt: the codes an admin reconciled it to
    (``pipeline.quality.precedence``), else the standing shared decision, or for a
    double-coded excerpt the codes every assigned coder applied (empty until all have decided)."""
    ids = list(excerpt_ids)
    decisions: dict[str, list[Decision]] = defaultdict(list)
    for d in decisions_on_many(session, run_id, ids):
        decisions[d.excerpt_id].append(d)
    private = double_coded(session, run_id, ids) if ids else {}
    out: dict[str, set[str]] = {}
    for excerpt_id, rows in decisions.items():
        agreed = precedence.reconciled(rows).get(excerpt_id)
        if agreed is not None:
            out[excerpt_id] = set(agreed.codes or ())
            continue
        coders = private.get(excerpt_id)
        if not coders:
            out[excerpt_id] = set(codes_of(effective(rows)))
            continue
        sets = []
        for user_id in coders:
            standing = effective(d for d in rows if d.user_id == user_id)
            if not standing:
                break
            sets.append(set(codes_of(standing)))
        out[excerpt_id] = set.intersection(*sets) if len(sets) == len(coders) else set()
    return out


def _section_order(sections: Iterable[str]) -> list[str]:
    known = [s for s in GUIDE_SECTIONS if s in sections]
    return known + sorted(s for s in sections if s not in GUIDE_SECTIONS)


def summary_content(session: Session, run: Run, city: str, narrative: str) -> dict:
    """Everything a validator sees and signs for one city, from accepted codes."""
    book = codebook_for(session, run)
    transcripts, excerpts, assignments = run_material(session, run.id, city)
    if not excerpts:
        raise NotFound(f"Run {run.id!r} has no excerpts from {city!r}.")
    accepted = accepted_codes(session, run.id, [e.id for e in excerpts])
    confidence = suggestion_confidences(session, run.id, [e.id for e in excerpts])
    codes_of_excerpt = {eid: {c: confidence.get((eid, c), 1.0) for c in book.with_parents(codes)}
                        for eid, codes in accepted.items() if codes}
    topics = topics_of(session, run.id)
    names = {t.topic_id: name for t, name in topics}
    [summary] = build_city_summaries(transcripts, excerpts, codes_of_excerpt, book, [t for t, _ in topics],
                                     assignments)
    top = [c for c in book.top_level]
    role_of = {t.id: t.meta.role or "unknown" for t in transcripts}
    section_of = {e.id: e.guide_section or "unknown" for e in excerpts}
    sections = _section_order({section_of[e.id] for e in excerpts})
    by_section = []
    for code in top:
        for section in sections:
            pool = [e for e in excerpts if section_of[e.id] == section]
            hits = [e for e in pool if code.name in codes_of_excerpt.get(e.id, {})]
            by_section.append({"code": code.name, "section": section, "excerpts": len(hits), "of_excerpts": len(pool),
                               "interviews": len({e.transcript_id for e in hits}),
                               "of_interviews": len({e.transcript_id for e in pool})})
    last_decision = last_decision_id(session, run.id, [e.id for e in excerpts])
    return {
        "schema": SCHEMA,
        "run_id": run.id,
        "city": city,
        "codebook": {"id": book.id, "sha256": book.sha256},
        "codes": [{"name": c.name, "label": c.label, "colour": c.colour} for c in top],
        "interviews": summary.interviews,
        "roles": dict(sorted(summary.roles.items())),
        "excerpts": summary.excerpts,
        "reviewed_excerpts": sum(1 for e in excerpts if e.id in accepted),
        "prevalence_by_role": [{"code": p.code, "role": p.role, "excerpts": p.excerpts, "of_excerpts": p.of_excerpts,
                                "interviews": p.interviews, "of_interviews": p.of_interviews}
                               for p in summary.prevalence],
        "sections": sections,
        "prevalence_by_section": by_section,
        "evidence": {code: list(ids) for code, ids in summary.evidence.items()},
        "quotes": {code: [{"excerpt_id": q.excerpt_id, "interview_id": q.interview_id, "role": q.role,
                           "language": q.language, "text": q.text} for q in quotes]
                   for code, quotes in summary.quotes.items()},
        "emergent_themes": [{"topic_id": t.topic_id, "label": t.label, "name": names.get(t.topic_id),
                             "keywords": list(t.keywords), "excerpts": t.excerpts,
                             "example": t.example.text if t.example else None,
                             "example_excerpt_id": t.example.excerpt_id if t.example else None}
                            for t in summary.themes if t.emergent],
        "narrative": narrative,
        "basis": {"last_decision_id": last_decision,
                  "accepted": {eid: sorted(codes) for eid, codes in sorted(accepted.items()) if codes},
                  "role_of_interview": dict(sorted(role_of.items()))},
        **study.city_study(run, city, transcripts, excerpts, codes_of_excerpt, book),
    }


def comparison_content(session: Session, run: Run, narrative: str) -> dict:
    """The cross-city comparison a validator sees and signs: every city, from accepted codes."""
    book = codebook_for(session, run)
    transcripts, excerpts, _ = run_material(session, run.id)
    if not excerpts:
        raise NotFound(f"Run {run.id!r} has no excerpts.")
    accepted = accepted_codes(session, run.id, [e.id for e in excerpts])
    codes_of_excerpt = {eid: {c: 1.0 for c in book.with_parents(codes)} for eid, codes in accepted.items() if codes}
    last_decision = last_decision_id(session, run.id)
    return {
        "schema": SCHEMA, "run_id": run.id, "city": study.ACROSS_CITY,
        "codebook": {"id": book.id, "sha256": book.sha256},
        "narrative": narrative,
        "basis": {"last_decision_id": last_decision,
                  "accepted": {eid: sorted(codes) for eid, codes in sorted(accepted.items()) if codes}},
        **study.comparison_study(run, transcripts, excerpts, codes_of_excerpt, book),
    }


def content_of(session: Session, run: Run, city: str, narrative: str) -> dict:
    """A city's summary, or the cross-city comparison for ``study.ACROSS_CITY``."""
    if city == study.ACROSS_CITY:
        return comparison_content(session, run, narrative)
    return summary_content(session, run, city, narrative)


# -- narrative and sign-off ------------------------------------------------------------------


def narrative_of(session: Session, run_id: str, city: str) -> str:
    return signed.narrative(session, run_id, city)


@dataclass(frozen=True)
class CityState:
    content: dict
    sha256: str
    latest: SignOff | None
    latest_by: str | None
    changed_since_signoff: bool

    @property
    def locked(self) -> bool:
        """Signed and nothing changed since: read-only."""
        return self.latest is not None and not self.changed_since_signoff


def city_state(session: Session, run: Run, city: str) -> CityState:
    narrative = narrative_of(session, run.id, city)
    history = signoffs_of(session, run.id, city)
    latest, by = history[0] if history else (None, None)
    if latest is not None:
        # the question is whether anything *behind* the signed summary moved, so compare
        # like with like: the live content with the narrative that was signed
        live_as_signed = content_of(session, run, city, latest.content.get("narrative", ""))
        changed = content_sha256(live_as_signed) != latest.content_sha256
        content = content_of(session, run, city, narrative) if narrative != latest.content.get("narrative") \
            else live_as_signed
    else:
        changed = False
        content = content_of(session, run, city, narrative)
    return CityState(content, content_sha256(content), latest, by, changed)


def save_narrative(store: Store, user: CurrentUser, run: Run, city: str, text: str) -> None:
    if len(text) > MAX_NARRATIVE:
        raise BadRequest(f"A narrative can be at most {MAX_NARRATIVE} characters.")
    text = text.replace("\r\n", "\n")
    with store.transaction() as s:
        if city_state(s, run, city).locked:
            raise Conflict("This summary is signed off and read-only. It opens again only when a code behind it changes.")
        signed.save_narrative(s, run.id, city, text, user.id, datetime.now(timezone.utc))
        audit.record(s, user.id, "narrative", "city", f"{run.id}/{city}",
                     {"run": run.id, "city": city, "sha256": hashlib.sha256(text.encode()).hexdigest()},
                     study=run.study)


def sign_off(store: Store, user: CurrentUser, run: Run, city: str, comment: str, seen_sha256: str) -> SignOff:
    """Sign exactly the content the validator saw (``seen_sha256``), or refuse with ``Conflict``."""
    if len(comment) > MAX_COMMENT:
        raise BadRequest(f"A comment can be at most {MAX_COMMENT} characters.")
    with store.transaction() as s:
        state = city_state(s, run, city)
        if state.locked:
            raise Conflict("This summary is already signed off and nothing behind it has changed.")
        if state.sha256 != seen_sha256:
            raise Conflict("The summary changed while you were reading it (a decision or an edit). "
                           "Reload, read it again, then sign off.")
        row = signed.add_signoff(s, run_id=run.id, city=city, user_id=user.id, comment=comment.strip(),
                                 content=state.content, content_sha256=state.sha256,
                                 signed_at=datetime.now(timezone.utc))
        audit.record(s, user.id, "signoff", "city", f"{run.id}/{city}",
                     {"signoff": row.id, "run": run.id, "city": city, "sha256": state.sha256,
                      "comment": row.comment, "replaces": state.latest.id if state.latest else None},
                     study=run.study)
        return row


def signoff(session: Session, run_id: str, city: str, signoff_id: int) -> tuple[SignOff, str]:
    row = signed.signoff(session, run_id, city, signoff_id)
    if row is None:
        raise NotFound(f"There is no sign-off {signoff_id} for {city!r} in run {run_id!r}.")
    return row


def known_city(session: Session, run_id: str, key: str) -> str:
    """The name of the run's city addressed by ``key`` (``app.data.city_key``)."""
    from app.data import city_from_key
    from pipeline.store.runs import cities_of

    city = city_from_key(key)
    if city not in cities_of(session, run_id):
        raise NotFound(f"Run {run_id!r} has no city {city!r}.")
    return city


def evidence(session: Session, run: Run, city: str, code: str, role: str | None = None,
             section: str | None = None) -> list[dict]:
    """The accepted excerpts behind one number of the summary."""
    book = codebook_for(session, run)
    if code not in {c.name for c in book.codes}:
        raise NotFound(f"There is no code {code!r} in this run's codebook.")
    transcripts, excerpts, _ = run_material(session, run.id, city)
    meta = {t.id: t.meta for t in transcripts}
    accepted = accepted_codes(session, run.id, [e.id for e in excerpts])
    out = []
    for e in excerpts:
        codes = book.with_parents(accepted.get(e.id, set()))
        if code not in codes:
            continue
        if role and role != "all" and (meta[e.transcript_id].role or "unknown") != role:
            continue
        if section and (e.guide_section or "unknown") != section:
            continue
        out.append({"excerpt": e, "role": meta[e.transcript_id].role, "codes": sorted(codes),
                    "city": city_name(meta[e.transcript_id].city)})
    return out
