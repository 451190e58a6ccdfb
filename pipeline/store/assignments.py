"""Double coding in the store: which excerpts of a run each coder is assigned, and their decisions."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.store import models as m


def roles_of(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """The role of each of these accounts (unknown ids are left out)."""
    return dict(tuple(r) for r in session.execute(select(m.User.id, m.User.role).where(m.User.id.in_(list(user_ids)))))


def usernames(session: Session) -> dict[int, str]:
    return dict(tuple(r) for r in session.execute(select(m.User.id, m.User.username)))


def unassigned_suggested(session: Session, run_id: str, coder_ids: Iterable[int], city: str | None = None) -> list[str]:
    """Excerpts of the run with a suggestion that none of these coders is assigned yet
    (optionally of one city), by id."""
    taken = select(m.Assignment.excerpt_id).where(m.Assignment.run_id == run_id,
                                                  m.Assignment.user_id.in_(list(coder_ids)))
    q = (select(m.SuggestionRow.excerpt_id).distinct()
         .join(m.ExcerptRow, m.ExcerptRow.id == m.SuggestionRow.excerpt_id)
         .join(m.TranscriptRow, m.TranscriptRow.id == m.ExcerptRow.transcript_id)
         .where(m.SuggestionRow.run_id == run_id, m.SuggestionRow.excerpt_id.not_in(taken)))
    if city:
        q = q.where(m.TranscriptRow.city == city)
    return sorted(session.scalars(q))


def add_assignments(session: Session, run_id: str, excerpt_ids: Iterable[str], coder_ids: Iterable[int]) -> None:
    """Assign every one of these excerpts to every one of these coders."""
    coder_ids = list(coder_ids)
    session.add_all(m.Assignment(run_id=run_id, excerpt_id=e, user_id=u) for e in excerpt_ids for u in coder_ids)


def assigned_excerpts(session: Session, run_id: str) -> dict[int, set[str]]:
    """The excerpts of a run assigned to each coder, by user id."""
    assigned: dict[int, set[str]] = defaultdict(set)
    for excerpt_id, user_id in session.execute(select(m.Assignment.excerpt_id, m.Assignment.user_id)
                                               .where(m.Assignment.run_id == run_id)):
        assigned[user_id].add(excerpt_id)
    return assigned


def decisions_by(session: Session, run_id: str, user_ids: Iterable[int]) -> list[m.Decision]:
    """Every decision of these coders in a run, oldest first."""
    return list(session.scalars(select(m.Decision).where(m.Decision.run_id == run_id,
                                                         m.Decision.user_id.in_(list(user_ids)))
                                .order_by(m.Decision.id)))


__all__ = ["add_assignments", "assigned_excerpts", "decisions_by", "roles_of", "unassigned_suggested", "usernames"]
