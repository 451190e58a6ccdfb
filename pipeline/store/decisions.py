"""Coders' decisions in the store: reading them, writing them, and the suggestion rows they
lock and settle.

The review app (``app.review``, ``app.reconcile``) keeps the rules (who may decide what,
which version is stale, what a decision's codes are); these functions only read and write
rows inside the caller's transaction. The log is append-only: a decision is added, never
changed; an undo is a decision of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from pipeline.store import models as m
from pipeline.store.chunks import chunked


def decisions_on(session: Session, run_id: str, excerpt_ids: Iterable[str],
                 user_id: int | None = None) -> list[m.Decision]:
    """Every decision of a run on these excerpts (only this coder's, if given), oldest first."""
    ids = list(excerpt_ids)
    if not ids:
        return []
    q = select(m.Decision).where(m.Decision.run_id == run_id, m.Decision.excerpt_id.in_(ids))
    if user_id is not None:
        q = q.where(m.Decision.user_id == user_id)
    return list(session.scalars(q.order_by(m.Decision.id)))


def decisions_on_many(session: Session, run_id: str, excerpt_ids: Iterable[str]) -> list[m.Decision]:
    """Every decision of a run on these excerpts, however many (asked in chunks; in no set order)."""
    out: list[m.Decision] = []
    for part in chunked(list(excerpt_ids)):
        out += session.scalars(select(m.Decision).where(m.Decision.run_id == run_id, m.Decision.excerpt_id.in_(part)))
    return out


def decisions_before(session: Session, run_id: str, excerpt_id: str, below: int) -> list[m.Decision]:
    """The decisions of a run on one excerpt written before decision ``below``."""
    return list(session.scalars(select(m.Decision).where(m.Decision.run_id == run_id,
                                                         m.Decision.excerpt_id == excerpt_id,
                                                         m.Decision.id < below)))


def decision_count(session: Session, run_id: str, excerpt_id: str, below: int | None = None) -> int:
    """How many decisions a run holds on one excerpt (those before decision ``below``, if given)."""
    q = select(func.count()).select_from(m.Decision).where(m.Decision.run_id == run_id,
                                                            m.Decision.excerpt_id == excerpt_id)
    if below is not None:
        q = q.where(m.Decision.id < below)
    return session.scalar(q) or 0


def last_decision_id(session: Session, run_id: str, excerpt_ids: Sequence[str] | None = None) -> int | None:
    """The id of the latest decision of a run (on these excerpts, if given)."""
    q = select(func.max(m.Decision.id)).where(m.Decision.run_id == run_id)
    if excerpt_ids is not None:
        q = q.where(m.Decision.excerpt_id.in_(list(excerpt_ids)))
    return session.scalar(q)


def _own_undone(run_id: str, user_id: int, *, undo_rows_only: bool):
    q = select(m.Decision.undoes).where(m.Decision.run_id == run_id, m.Decision.user_id == user_id)
    if undo_rows_only:
        q = q.where(m.Decision.action == "undo")
    return q.where(m.Decision.undoes.is_not(None))


def latest_undoable(session: Session, run_id: str, user_id: int) -> m.Decision | None:
    """The coder's latest decision made in the app in a run that is not an undo and not undone."""
    undone_ids = _own_undone(run_id, user_id, undo_rows_only=True)
    return session.scalars(select(m.Decision).where(
        m.Decision.run_id == run_id, m.Decision.user_id == user_id, m.Decision.action != "undo",
        m.Decision.source == "app", m.Decision.id.not_in(undone_ids))
        .order_by(m.Decision.id.desc()).limit(1)).first()


def decisions_made(session: Session, run_id: str, user_id: int) -> int:
    """How many decisions the coder made in the app in a run that still stand (undos and the undone left out)."""
    undone = _own_undone(run_id, user_id, undo_rows_only=False)
    return session.scalar(select(func.count()).select_from(m.Decision).where(
        m.Decision.run_id == run_id, m.Decision.user_id == user_id, m.Decision.action != "undo",
        m.Decision.source == "app", m.Decision.id.not_in(undone))) or 0


def unsuggested_decisions(session: Session, run_id: str) -> list[m.Decision]:
    """Everyone's decisions made in the app in a run on no suggestion (spot checks and their undos)."""
    return list(session.scalars(select(m.Decision).where(m.Decision.run_id == run_id, m.Decision.source == "app",
                                                         m.Decision.suggestion_id.is_(None))))


def add_decision(session: Session, *, run_id: str, excerpt_id: str, suggestion_id: int | None, user_id: int,
                 action: str, codes: Sequence[str], source: str, created_at: datetime,
                 undoes: int | None = None) -> m.Decision:
    """Append one decision to the log; it has its id on return."""
    decision = m.Decision(run_id=run_id, excerpt_id=excerpt_id, suggestion_id=suggestion_id, user_id=user_id,
                          action=action, codes=list(codes), source=source, undoes=undoes, created_at=created_at)
    session.add(decision)
    session.flush()
    return decision


# -- the suggestions a decision settles --------------------------------------------------------


def suggestion_brief(session: Session, suggestion_id: int) -> Row | None:
    """``(id, run_id, excerpt_id, code, status)`` of a suggestion, or ``None``."""
    return session.execute(select(m.SuggestionRow.id, m.SuggestionRow.run_id, m.SuggestionRow.excerpt_id,
                                  m.SuggestionRow.code, m.SuggestionRow.status)
                           .where(m.SuggestionRow.id == suggestion_id)).first()


def has_suggestions(session: Session, run_id: str, excerpt_id: str) -> bool:
    """Whether the run suggested any code for the excerpt."""
    return bool(session.scalar(select(func.count()).select_from(m.SuggestionRow)
                               .where(m.SuggestionRow.run_id == run_id, m.SuggestionRow.excerpt_id == excerpt_id)))


def lock_excerpt(session: Session, run_id: str, excerpt_id: str) -> dict[int, int]:
    """Lock every suggestion of the excerpt in id order (``FOR UPDATE`` where there is one);
    their current versions by suggestion id."""
    q = (select(m.SuggestionRow.id, m.SuggestionRow.version)
         .where(m.SuggestionRow.run_id == run_id, m.SuggestionRow.excerpt_id == excerpt_id)
         .order_by(m.SuggestionRow.id).with_for_update())
    return dict(list(session.execute(q)))


def settle_suggestion(session: Session, suggestion_id: int, seen_version: int, status: str, at: datetime) -> bool:
    """Set a suggestion's status and bump its version, only if its version is still
    ``seen_version``; whether it was."""
    done = session.execute(update(m.SuggestionRow)
                           .where(m.SuggestionRow.id == suggestion_id, m.SuggestionRow.version == seen_version)
                           .values(status=status, version=seen_version + 1, updated_at=at),
                           execution_options={"synchronize_session": False})
    return done.rowcount == 1


def restore_status(session: Session, suggestion_id: int, status: str, at: datetime) -> None:
    """Put a suggestion's status back (an undo), leaving its version alone."""
    session.execute(update(m.SuggestionRow).where(m.SuggestionRow.id == suggestion_id)
                    .values(status=status, updated_at=at), execution_options={"synchronize_session": False})


def bump_versions(session: Session, run_id: str, excerpt_id: str, *, but: int | None = None) -> None:
    """Bump the version of every suggestion of the excerpt (except ``but``)."""
    q = update(m.SuggestionRow).where(m.SuggestionRow.run_id == run_id, m.SuggestionRow.excerpt_id == excerpt_id)
    if but is not None:
        q = q.where(m.SuggestionRow.id != but)
    session.execute(q.values(version=m.SuggestionRow.version + 1), execution_options={"synchronize_session": False})


__all__ = [
    "add_decision", "bump_versions", "decision_count", "decisions_before", "decisions_made", "decisions_on",
    "decisions_on_many", "has_suggestions", "last_decision_id", "latest_undoable", "lock_excerpt",
    "restore_status", "settle_suggestion", "suggestion_brief", "unsuggested_decisions",
]
