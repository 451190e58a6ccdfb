"""Coders' memos on excerpts in the store: writing one, and reading a coder's own."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.store import models as m


def memos_by(session: Session, user_id: int, excerpt_ids: Iterable[str]) -> list[m.Memo]:
    """The coder's memos on these excerpts, in the order they were written."""
    return list(session.scalars(select(m.Memo).where(m.Memo.user_id == user_id, m.Memo.excerpt_id.in_(excerpt_ids))
                                .order_by(m.Memo.id)))


def add_memo(session: Session, *, excerpt_id: str, transcript_id: str, user_id: int, text: str,
             created_at: datetime) -> m.Memo:
    """Add a memo on an excerpt; it has its id on return."""
    memo = m.Memo(excerpt_id=excerpt_id, transcript_id=transcript_id, user_id=user_id, text=text,
                  created_at=created_at)
    session.add(memo)
    session.flush()
    return memo


__all__ = ["add_memo", "memos_by"]
