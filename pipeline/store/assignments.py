"""Double coding in the store: which excerpts of a run each coder is assigned, and their decisions.

An excerpt assigned to two or more coders of a run is double-coded (``double_coded``); a coder
with assignments in a run works on those, one without on the run's unassigned excerpts
(``app.review`` keeps that rule)."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from sqlalchemy import func, select
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


def has_assignments(session: Session, run_id: str, user_id: int) -> bool:
    """Whether the coder is assigned any excerpt of the run."""
    return session.scalar(select(m.Assignment.excerpt_id).where(
        m.Assignment.run_id == run_id, m.Assignment.user_id == user_id).limit(1)) is not None


def assignees(session: Session, run_id: str, excerpt_id: str) -> set[int]:
    """The coders an excerpt of a run is assigned to (none: it is shared)."""
    return set(session.scalars(select(m.Assignment.user_id).where(
        m.Assignment.run_id == run_id, m.Assignment.excerpt_id == excerpt_id)))


def assignees_in_every_run(session: Session, excerpt_id: str) -> dict[str, set[int]]:
    """Per run that assigns the excerpt, the coders it is assigned to."""
    out: dict[str, set[int]] = defaultdict(set)
    for run_id, user_id in session.execute(select(m.Assignment.run_id, m.Assignment.user_id)
                                           .where(m.Assignment.excerpt_id == excerpt_id)):
        out[run_id].add(user_id)
    return out


FEW = 100
"""Up to this many excerpt ids are looked up by name; more, through the run's double-coded set."""


def double_coded(session: Session, run_id: str, excerpt_ids: Iterable[str] | None = None) -> dict[str, set[int]]:
    """Excerpts assigned to two or more coders → those coders (among ``excerpt_ids`` if given)."""
    q = select(m.Assignment.excerpt_id, m.Assignment.user_id).where(m.Assignment.run_id == run_id)
    wanted = None if excerpt_ids is None else set(excerpt_ids)
    if wanted is not None and not wanted:
        return {}
    if wanted is not None and len(wanted) <= FEW:
        q = q.where(m.Assignment.excerpt_id.in_(wanted))
    else:
        # a whole queue's excerpts as bound parameters (thousands) cost more to send and parse
        # than asking the store for the run's double-coded excerpts, which are few
        shared = (select(m.Assignment.excerpt_id).where(m.Assignment.run_id == run_id)
                  .group_by(m.Assignment.excerpt_id).having(func.count() >= 2))
        q = q.where(m.Assignment.excerpt_id.in_(shared))
    coders: dict[str, set[int]] = defaultdict(set)
    for excerpt_id, user_id in session.execute(q):
        coders[excerpt_id].add(user_id)
    return {e: users for e, users in coders.items() if len(users) >= 2 and (wanted is None or e in wanted)}


__all__ = [
    "FEW", "add_assignments", "assigned_excerpts", "assignees", "assignees_in_every_run", "decisions_by",
    "double_coded", "has_assignments", "roles_of", "unassigned_suggested", "usernames",
]
