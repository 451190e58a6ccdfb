"""Finding a run and the codes it was coded with, as export and import both need them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.records import Code, Codebook
from pipeline.store import models as m
from pipeline.store.studies import resolve_run  # noqa: F401  (export and import name runs through it)


def run_codebook(session: Session, run: m.Run) -> Codebook | None:
    """The run's codebook with the codes coders added since (``codes`` rows of origin
    ``emergent`` or ``imported``) after its own; ``None`` when the run has no codebook yet."""
    if run.codebook_id is None:
        return None
    return stored_codebook(session, run.codebook_id)


def stored_codebook(session: Session, codebook_id: str) -> Codebook | None:
    from pipeline.codebook import codebook_from_dict

    row = session.get(m.CodebookRow, codebook_id)
    if row is None:
        return None
    book = codebook_from_dict(row.content, f"stored codebook {codebook_id}")
    known = {c.name for c in book.codes}
    extra = [
        Code(name=r.name, label=r.label, description=r.description or "", parent=r.parent, colour=r.colour)
        for r in session.scalars(select(m.CodeRow).where(m.CodeRow.codebook_id == codebook_id).order_by(m.CodeRow.name))
        if r.name not in known
    ]
    if not extra:
        return book
    return Codebook(name=book.name, version=book.version, codes=book.codes + tuple(_parents_first(extra, known)),
                    sha256=book.sha256, source=book.source, background_examples=book.background_examples,
                    description=book.description)


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
