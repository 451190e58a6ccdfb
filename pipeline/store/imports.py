"""What a REFI-QDA import reads and writes, inside the import's one transaction.

The import (``pipeline.exchange.importer``) decides what a project means; these functions
are its only way to the rows: people, codes, transcripts and their excerpts, decisions and
memos. Nothing here commits: the caller's transaction writes all of it or none.
"""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.records import Code, Codebook
from pipeline.store import models as m


# -- people ----------------------------------------------------------------------------------
def people(session: Session) -> dict[str, m.User]:
    """Every account by username."""
    return {u.username: u for u in session.scalars(select(m.User))}


def add_person(session: Session, name: str, role: str) -> m.User:
    """An account without a password (it cannot sign in until an admin sets one)."""
    user = m.User(username=name, role=role, password_hash=None)
    session.add(user)
    session.flush()
    return user


# -- codes -----------------------------------------------------------------------------------
def study_codebook_id(session: Session, study: str) -> str | None:
    """The codebook of a study imported before it had runs."""
    row = session.get(m.Study, study)
    return row.codebook_id if row is not None and row.codebook_id else None


def code_names(session: Session, codebook_id: str) -> set[str]:
    return set(session.scalars(select(m.CodeRow.name).where(m.CodeRow.codebook_id == codebook_id)))


def add_imported_codes(session: Session, codebook_id: str, codes: Iterable[Code]) -> None:
    """Add codes to a stored codebook, marked ``imported``."""
    session.add_all(m.CodeRow(codebook_id=codebook_id, name=c.name[:200], label=c.label[:200],
                              description=c.description, parent=c.parent, colour=c.colour, origin="imported")
                    for c in codes)
    session.flush()


def add_codebook_unless_stored(session: Session, book: Codebook, content: dict) -> None:
    """Store a codebook without its codes (they are added as ``imported`` ones) unless it is there."""
    if session.get(m.CodebookRow, book.id) is None:
        session.add(m.CodebookRow(id=book.id, name=book.name, version=book.version, sha256=book.sha256,
                                  content=content))
        session.flush()


# -- transcripts and excerpts ----------------------------------------------------------------
def transcript_ids(session: Session) -> list[str]:
    return list(session.scalars(select(m.TranscriptRow.id)))


def transcripts_with_text_hash(session: Session, sha256: str) -> list[tuple[str, str]]:
    """``(id, text)`` of the stored transcripts whose text has this SHA-256."""
    return [tuple(r) for r in session.execute(select(m.TranscriptRow.id, m.TranscriptRow.text)
                                              .where(m.TranscriptRow.text_sha256 == sha256))]


def excerpts_in(session: Session, transcript_id: str, run_id: str | None = None) -> list[m.ExcerptRow]:
    """A transcript's excerpts as ``run_id`` saw them; all stored ones when the run saw none
    (or no run is given)."""
    query = select(m.ExcerptRow).where(m.ExcerptRow.transcript_id == transcript_id)
    rows = []
    if run_id is not None:
        rows = list(session.scalars(query.join(m.RunExcerpt, m.RunExcerpt.excerpt_id == m.ExcerptRow.id)
                                    .where(m.RunExcerpt.run_id == run_id)))
    return rows or list(session.scalars(query))


def suggested_pairs(session: Session, transcript_ids: Iterable[str]) -> set[tuple[str, str]]:
    """``(excerpt id, code)`` of every suggestion, in any run, on these transcripts."""
    ids = set(transcript_ids)
    if not ids:
        return set()
    return {tuple(r) for r in session.execute(
        select(m.SuggestionRow.excerpt_id, m.SuggestionRow.code)
        .join(m.ExcerptRow, m.ExcerptRow.id == m.SuggestionRow.excerpt_id)
        .where(m.ExcerptRow.transcript_id.in_(ids)))}


# -- decisions and memos ---------------------------------------------------------------------
def add_coding(session: Session, *, run_id: str | None, excerpt_id: str, user_id: int, codes: list[str],
               start: int | None, end: int | None, source: str) -> None:
    """A ``code`` decision: the coder's whole code set for the unit."""
    session.add(m.Decision(run_id=run_id, excerpt_id=excerpt_id, user_id=user_id, action="code", codes=codes,
                           start=start, end=end, source=source))


def memos(session: Session) -> list[tuple[int, str | None, str | None, str]]:
    """``(user id, excerpt id, transcript id, text)`` of every memo."""
    return [tuple(r) for r in session.execute(select(m.Memo.user_id, m.Memo.excerpt_id, m.Memo.transcript_id,
                                                     m.Memo.text))]


def add_memo(session: Session, *, user_id: int, excerpt_id: str | None, transcript_id: str | None, text: str) -> None:
    session.add(m.Memo(excerpt_id=excerpt_id, transcript_id=transcript_id, user_id=user_id, text=text))


__all__ = [
    "add_codebook_unless_stored", "add_coding", "add_imported_codes", "add_memo", "add_person", "code_names",
    "excerpts_in", "memos", "people", "study_codebook_id", "suggested_pairs", "transcript_ids",
    "transcripts_with_text_hash",
]
