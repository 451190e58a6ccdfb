"""Reading pipeline records back from the store for the app: runs, codebooks, transcripts, excerpts, topics."""

from __future__ import annotations

import dataclasses
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.codebook import codebook_from_dict
from pipeline.errors import NotFound
from pipeline.records import Code, Codebook, InterviewMeta, Topic, TopicAssignment, Transcript, Turn
from pipeline.store import models as m, studies
from pipeline.store.repository import excerpt_record


def resolve_run(session: Session, run_id: str | None, study: str | None = None) -> m.Run:
    """The named run, else the latest completed one of ``study`` (of the store if None)."""
    return studies.resolve_run(session, run_id or None, study)


def runs(session: Session, study: str | None = None) -> list[m.Run]:
    q = select(m.Run).order_by(m.Run.started_at.desc())
    if study is not None:
        q = q.where(m.Run.study == study)
    return list(session.scalars(q))
def codebook_of(session: Session, run: m.Run) -> Codebook:
    """The run's codebook as stored, plus the codes coders made from emergent themes since."""
    if run.codebook_id is None:
        raise NotFound(f"Run {run.id!r} has no codebook recorded.")
    row = session.get(m.CodebookRow, run.codebook_id)
    if row is None:
        raise NotFound(f"The codebook {run.codebook_id!r} of run {run.id!r} is not in the store.")
    book = codebook_from_dict(row.content, source=row.id)
    known = {c.name for c in book.codes}
    extra = session.scalars(select(m.CodeRow).where(m.CodeRow.codebook_id == row.id, m.CodeRow.origin != "codebook")
                            .order_by(m.CodeRow.name))
    added = tuple(Code(name=c.name, label=c.label, description=c.description, parent=c.parent, colour=c.colour)
                  for c in extra if c.name not in known)
    return dataclasses.replace(book, codes=book.codes + added) if added else book


def code_labels(book: Codebook) -> dict[str, str]:
    return {c.name: c.label for c in book.codes}


def transcript_record(row: m.TranscriptRow, turns: list[m.TurnRow] = ()) -> Transcript:
    meta = InterviewMeta(row.id, row.file, city=row.city, country=row.country, role=row.role, date=row.date,
                         language=(row.variables or {}).get("language"))
    built = tuple(Turn(t.idx, t.speaker, t.role, row.text[t.start:t.end], t.start, t.end, t.lang, t.time_start,
                       t.time_end, source_type=row.source_type, page=t.page) for t in turns)
    return Transcript(row.id, meta, row.file, row.source_sha256, row.format, row.encoding, row.text, built,
                      row.language, source_type=row.source_type)


def city_name(city: str | None) -> str:
    return city or "unknown"


_KEY_ESCAPES = re.compile(r"[/\\~.%?#]")


def city_key(city: str) -> str:
    """The city's name as one URL path segment: ``/ \\ ~ . % ? #`` become ``~hex~``.

    A city comes from the manifest and may be called "Emilia/Romagna" or "..": a ``%2F``
    is decoded before routing, so the name itself cannot be the segment. The key is
    reversible and equals the name for ordinary names (``Bologna``, ``Θεσσαλονίκη``).
    """
    return _KEY_ESCAPES.sub(lambda ch: f"~{ord(ch.group()):x}~", city)


def city_from_key(key: str) -> str:
    return re.sub(r"~([0-9a-f]{1,6})~", lambda h: chr(int(h.group(1), 16)), key)


def run_material(session: Session, run_id: str, city: str | None = None):
    """``(transcripts, excerpts, topic_assignments)`` of one run, optionally of one city only."""
    q = (select(m.ExcerptRow, m.TranscriptRow, m.RunExcerpt.topic_id)
         .join(m.RunExcerpt, m.RunExcerpt.excerpt_id == m.ExcerptRow.id)
         .join(m.TranscriptRow, m.TranscriptRow.id == m.ExcerptRow.transcript_id)
         .where(m.RunExcerpt.run_id == run_id))
    if city is not None:
        q = q.where(m.TranscriptRow.city.is_(None)) if city == "unknown" else q.where(m.TranscriptRow.city == city)
    transcripts: dict[str, Transcript] = {}
    excerpts, assignments = [], []
    for e, t, topic_id in session.execute(q.order_by(m.ExcerptRow.transcript_id, m.ExcerptRow.start)):
        if t.id not in transcripts:
            transcripts[t.id] = transcript_record(t)
        excerpts.append(excerpt_record(e))
        if topic_id is not None:
            assignments.append(TopicAssignment(e.id, topic_id))
    return list(transcripts.values()), excerpts, assignments


def topics_of(session: Session, run_id: str) -> list[tuple[Topic, str | None]]:
    """Every topic of a run with the name a coder gave it (``None`` if unnamed)."""
    rows = session.scalars(select(m.TopicRow).where(m.TopicRow.run_id == run_id).order_by(m.TopicRow.topic_id))
    return [(Topic(r.topic_id, r.label, tuple(r.keywords), r.size, tuple(r.representative_ids), tuple(r.codes),
                   dict(r.code_scores), bool(r.emergent)), r.name) for r in rows]


def cities_of(session: Session, run_id: str) -> list[str]:
    q = (select(m.TranscriptRow.city).distinct().join(m.ExcerptRow, m.ExcerptRow.transcript_id == m.TranscriptRow.id)
         .join(m.RunExcerpt, m.RunExcerpt.excerpt_id == m.ExcerptRow.id).where(m.RunExcerpt.run_id == run_id))
    return sorted({city_name(c) for c in session.scalars(q)})
