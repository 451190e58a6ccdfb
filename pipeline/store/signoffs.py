"""City summaries in the store: the narrative a validator drafts for a city, and sign-offs.

Drafts are one row per run and city, overwritten; sign-offs are append-only, the latest one
for a run and city being the one that counts (``runs.latest_signoffs`` gives it for every city
of a run). The city ``*`` is the cross-city comparison. Whether a summary may still be edited
or signed is ``app.summaries``' rule.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.store import models as m


def narrative(session: Session, run_id: str, city: str) -> str:
    """The city's drafted narrative ("" while there is none)."""
    draft = session.get(m.SummaryDraft, (run_id, city))
    return draft.narrative if draft else ""


def save_narrative(session: Session, run_id: str, city: str, text: str, user_id: int, at: datetime) -> None:
    """Write the city's narrative draft (a new one, or over the one there)."""
    draft = session.get(m.SummaryDraft, (run_id, city))
    if draft is None:
        session.add(m.SummaryDraft(run_id=run_id, city=city, narrative=text, updated_by=user_id, updated_at=at))
    else:
        draft.narrative, draft.updated_by = text, user_id


def signoffs_of(session: Session, run_id: str, city: str) -> list[tuple[m.SignOff, str]]:
    """Every sign-off for the city, newest first, with the validator's username."""
    return list(session.execute(
        select(m.SignOff, m.User.username).join(m.User, m.User.id == m.SignOff.user_id)
        .where(m.SignOff.run_id == run_id, m.SignOff.city == city).order_by(m.SignOff.id.desc())))


def signoff(session: Session, run_id: str, city: str, signoff_id: int) -> tuple[m.SignOff, str] | None:
    """One sign-off of the city with the validator's username (``None`` if there is no such one)."""
    row = session.execute(select(m.SignOff, m.User.username).join(m.User, m.User.id == m.SignOff.user_id)
                          .where(m.SignOff.id == signoff_id, m.SignOff.run_id == run_id,
                                 m.SignOff.city == city)).first()
    return None if row is None else tuple(row)


def add_signoff(session: Session, *, run_id: str, city: str, user_id: int, comment: str, content: dict,
                content_sha256: str, signed_at: datetime) -> m.SignOff:
    """Append a sign-off of exactly ``content``; it has its id on return."""
    row = m.SignOff(run_id=run_id, city=city, user_id=user_id, comment=comment, content=content,
                    content_sha256=content_sha256, signed_at=signed_at)
    session.add(row)
    session.flush()
    return row


__all__ = ["add_signoff", "narrative", "save_narrative", "signoff", "signoffs_of"]
