"""A run's codebook as coders see it: the stored codebook plus the codes they added since."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.errors import NotFound
from pipeline.records import Code, Codebook
from pipeline.store import models as m


def codebook_for(session: Session, run: m.Run, *, added: bool = True) -> Codebook:
    """The run's codebook with the codes coders added since (``codes`` rows of origin
    ``emergent`` or ``imported``) after its own, parents before their sub-codes.
    ``added=False``: the codebook as the run coded with it. ``NotFound`` when the run has
    none or it is missing from the store."""
    if run.codebook_id is None:
        raise NotFound(f"Run {run.id!r} has no codebook recorded.")
    book = stored_codebook(session, run.codebook_id, added=added)
    if book is None:
        raise NotFound(f"The codebook {run.codebook_id!r} of run {run.id!r} is not in the store.")
    return book


def known_codes(session: Session, run: m.Run) -> set[str]:
    """The names of the codes stored in the run's codebook (added codes too)."""
    return set(session.scalars(select(m.CodeRow.name).where(m.CodeRow.codebook_id == run.codebook_id)))


def stored_codebook(session: Session, codebook_id: str, *, added: bool = True) -> Codebook | None:
    """A stored codebook (with the codes added to it, unless ``added=False``); ``None`` if absent."""
    from pipeline.codebook import codebook_from_dict

    row = session.get(m.CodebookRow, codebook_id)
    if row is None:
        return None
    book = codebook_from_dict(row.content, f"stored codebook {codebook_id}")
    if not added:
        return book
    known = {c.name for c in book.codes}
    extra = [
        Code(name=r.name, label=r.label, description=r.description or "", parent=r.parent, colour=r.colour)
        for r in session.scalars(select(m.CodeRow).where(m.CodeRow.codebook_id == codebook_id).order_by(m.CodeRow.name))
        if r.name not in known
    ]
    if not extra:
        return book
    return dataclasses.replace(book, codes=book.codes + tuple(_parents_first(extra, known)))


def _parents_first(codes: list[Code], known: set[str]) -> list[Code]:
    placed, out, pending = set(known), [], list(codes)
    while pending:
        ready = [c for c in pending if c.parent is None or c.parent in placed or
                 c.parent not in {p.name for p in pending}]
        ready = ready or pending[:1]  # a cycle in hand-edited rows: keep going rather than loop
        for c in ready:
            out.append(c)
            placed.add(c.name)
            pending.remove(c)
    return out


__all__ = ["codebook_for", "known_codes", "stored_codebook"]
