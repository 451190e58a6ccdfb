"""What a run holds, read back from the store: its transcripts, excerpts, topics and cities
as pipeline records (for the review app and the summaries), its progress, emergent themes and
the codes made from them, sign-offs, and its contents as a REFI-QDA project carries them
(for export)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.records import InterviewMeta, Topic, TopicAssignment, Transcript, Turn
from pipeline.store import models as m
from pipeline.store.chunks import chunked
from pipeline.store.codings import CurrentCoding, current_codes, prevailing
from pipeline.store.repository import excerpt_record


def runs(session: Session, study: str | None = None) -> list[m.Run]:
    q = select(m.Run).order_by(m.Run.started_at.desc(), m.Run.id.desc())  # as latest_run breaks ties
    if study is not None:
        q = q.where(m.Run.study == study)
    return list(session.scalars(q))


@dataclass
class RunContents:
    """What a run holds, as a REFI-QDA project carries it (rows of the store)."""

    transcripts: list[m.TranscriptRow]
    """Those the run saw, by id."""
    excerpts: dict[str, m.ExcerptRow]
    """Every stored excerpt of those transcripts (earlier runs' too: a coder may have coded one)."""
    codings: list[CurrentCoding]
    """Coders' current non-empty code sets on those excerpts; on an excerpt an admin reconciled,
    the agreed codes alone (``codings.prevailing``)."""
    suggestions: list[m.SuggestionRow]
    """The run's open suggestions (none unless asked for)."""
    memos: list[m.Memo]
    """Memos on those excerpts or transcripts, and project memos, in the order they were written."""
    people: dict[int, m.User]
    authors: set[int]
    """Everyone with a decision or a memo anywhere in the store."""
    superseded: int = 0
    """Coders' non-empty codings left out because the excerpt was reconciled."""


def run_contents(session: Session, run: m.Run, *, open_suggestions: bool = True) -> RunContents:
    """Everything a project of ``run`` holds: transcripts, excerpts, coders' codes, open suggestions, memos."""
    transcript_ids = sorted(set(session.scalars(
        select(m.ExcerptRow.transcript_id).join(m.RunExcerpt, m.RunExcerpt.excerpt_id == m.ExcerptRow.id)
        .where(m.RunExcerpt.run_id == run.id)
    )))
    transcripts = sorted(_rows_where(session, m.TranscriptRow, m.TranscriptRow.id, transcript_ids), key=lambda t: t.id)
    excerpts = {e.id: e for e in _rows_where(session, m.ExcerptRow, m.ExcerptRow.transcript_id, transcript_ids)}
    transcript_set = {t.id for t in transcripts}
    everyone = current_codes(session, excerpts)
    kept = prevailing(everyone)  # an excerpt an admin reconciled: the agreed codes only
    superseded = sum(1 for key, c in everyone.items() if key not in kept and c.codes)
    codings = [c for c in kept.values() if c.codes]
    suggestions = []
    if open_suggestions:
        suggestions = list(session.scalars(
            select(m.SuggestionRow).where(m.SuggestionRow.run_id == run.id, m.SuggestionRow.status == "suggested")
        ))
    memos = [mm for mm in session.scalars(select(m.Memo).order_by(m.Memo.id))
             if (mm.excerpt_id in excerpts) or (mm.excerpt_id is None and mm.transcript_id in transcript_set)
             or (mm.excerpt_id is None and mm.transcript_id is None)]  # project memos too
    people = {u.id: u for u in session.scalars(select(m.User))}
    authors = set(session.scalars(select(m.Decision.user_id).distinct())) | set(
        session.scalars(select(m.Memo.user_id).distinct()))
    return RunContents(transcripts, excerpts, codings, suggestions, memos, people, authors, superseded)


def document_pages(session: Session, ids: list[str]) -> dict[str, list[tuple[int, int, int]]]:
    """Per document: ``(page, start, end)`` spans of its text, merged over its paragraphs."""
    out: dict[str, list[tuple[int, int, int]]] = {}
    turns = _rows_where(session, m.TurnRow, m.TurnRow.transcript_id, ids)
    for turn in sorted(turns, key=lambda u: (u.transcript_id, u.idx)):
        if turn.page is None:
            continue
        spans = out.setdefault(turn.transcript_id, [])
        if spans and spans[-1][0] == turn.page:
            spans[-1] = (turn.page, spans[-1][1], turn.end)
        else:
            spans.append((turn.page, turn.start, turn.end))
    return out


def _rows_where(session: Session, model, column, keys: list) -> list:
    out = []
    for part in chunked(keys):
        out += session.scalars(select(model).where(column.in_(part)))
    return out


def topic_row(session: Session, run_id: str, topic_id: int) -> m.TopicRow | None:
    return session.get(m.TopicRow, (run_id, topic_id))


def emergent_topics(session: Session, run_id: str) -> list[m.TopicRow]:
    """A run's topics that map to no code, largest first."""
    return list(session.scalars(select(m.TopicRow).where(m.TopicRow.run_id == run_id, m.TopicRow.emergent.is_(True))
                                .order_by(m.TopicRow.size.desc(), m.TopicRow.topic_id)))


def latest_signoffs(session: Session, run_id: str) -> dict[str, m.SignOff]:
    """The latest sign-off of each city (``*``: the cross-city comparison) of a run."""
    latest: dict[str, m.SignOff] = {}
    for row in session.scalars(select(m.SignOff).where(m.SignOff.run_id == run_id).order_by(m.SignOff.id)):
        latest[row.city] = row
    return latest


def has_code(session: Session, codebook_id: str, name: str) -> bool:
    return session.get(m.CodeRow, (codebook_id, name)) is not None


def add_emergent_code(session: Session, codebook_id: str, name: str, label: str, description: str) -> None:
    """A code coders made from an emergent theme, added to a stored codebook."""
    session.add(m.CodeRow(codebook_id=codebook_id, name=name, label=label, description=description, parent=None,
                          colour=None, origin="emergent"))


def code_labels_of_origin(session: Session, codebook_id: str, origin: str) -> set[str]:
    return set(session.scalars(select(m.CodeRow.label).where(m.CodeRow.codebook_id == codebook_id,
                                                             m.CodeRow.origin == origin)))


def excerpt_texts(session: Session, ids) -> list[str]:
    """The texts of stored excerpts, in the order of ``ids`` (missing ones left out)."""
    found = {e.id: e.text for e in _rows_where(session, m.ExcerptRow, m.ExcerptRow.id, list(ids))}
    return [found[i] for i in ids if i in found]


def excerpt_row(session: Session, excerpt_id: str) -> m.ExcerptRow | None:
    return session.get(m.ExcerptRow, excerpt_id)


def transcript_row(session: Session, transcript_id: str) -> m.TranscriptRow | None:
    return session.get(m.TranscriptRow, transcript_id)


def in_run(session: Session, run_id: str, excerpt_id: str) -> bool:
    """Whether the run holds the excerpt."""
    return session.get(m.RunExcerpt, (run_id, excerpt_id)) is not None


def excerpts_with_transcripts(session: Session, excerpt_ids: Sequence[str]
                              ) -> dict[str, tuple[m.ExcerptRow, m.TranscriptRow]]:
    """Stored excerpts by id, each with its transcript."""
    if not excerpt_ids:
        return {}
    return {e.id: (e, t) for e, t in session.execute(
        select(m.ExcerptRow, m.TranscriptRow).join(m.TranscriptRow, m.TranscriptRow.id == m.ExcerptRow.transcript_id)
        .where(m.ExcerptRow.id.in_(excerpt_ids)))}


def suggestion_confidences(session: Session, run_id: str, excerpt_ids: Sequence[str]) -> dict[tuple[str, str], float]:
    """``(excerpt id, code)`` → the confidence of the run's suggestion of that code there."""
    return {(e, c): conf for e, c, conf in session.execute(
        select(m.SuggestionRow.excerpt_id, m.SuggestionRow.code, m.SuggestionRow.confidence)
        .where(m.SuggestionRow.run_id == run_id, m.SuggestionRow.excerpt_id.in_(list(excerpt_ids))))}


def run_progress(session: Session, run_id: str) -> tuple[int, int, int]:
    """``(suggestions, still open, decisions)`` of a run."""
    counts = dict(tuple(r) for r in session.execute(
        select(m.SuggestionRow.status, func.count()).where(m.SuggestionRow.run_id == run_id)
        .group_by(m.SuggestionRow.status)))
    decisions = session.scalar(select(func.count()).select_from(m.Decision).where(m.Decision.run_id == run_id))
    return sum(counts.values()), counts.get("suggested", 0), decisions or 0


def code_origins(session: Session, codebook_id: str | None) -> dict[str, str]:
    """Where each stored code of a codebook came from: ``codebook``, ``emergent`` or ``imported``."""
    return dict(tuple(r) for r in session.execute(select(m.CodeRow.name, m.CodeRow.origin)
                                                   .where(m.CodeRow.codebook_id == codebook_id)))


def active_coders(session: Session) -> list[m.User]:
    """Active accounts with the coder role, by username."""
    return list(session.scalars(select(m.User).where(m.User.role == "coder", m.User.active.is_(True))
                                .order_by(m.User.username)))


def assignment_counts(session: Session, run_id: str) -> dict[int, int]:
    """How many excerpts of a run each coder is assigned, by user id."""
    return dict(tuple(r) for r in session.execute(
        select(m.Assignment.user_id, func.count()).where(m.Assignment.run_id == run_id)
        .group_by(m.Assignment.user_id)))


def transcript_record(row: m.TranscriptRow, turns: list[m.TurnRow] = ()) -> Transcript:
    meta = InterviewMeta(row.id, row.file, city=row.city, country=row.country, role=row.role, date=row.date,
                         language=(row.variables or {}).get("language"))
    built = tuple(Turn(t.idx, t.speaker, t.role, row.text[t.start:t.end], t.start, t.end, t.lang, t.time_start,
                       t.time_end, source_type=row.source_type, page=t.page) for t in turns)
    return Transcript(row.id, meta, row.file, row.source_sha256, row.format, row.encoding, row.text, built,
                      row.language, source_type=row.source_type)


def stored_transcript(session: Session, transcript_id: str) -> Transcript | None:
    """A stored transcript with its turns, as the record the stages read (``None`` if absent)."""
    row = session.get(m.TranscriptRow, transcript_id)
    if row is None:
        return None
    turns = session.scalars(select(m.TurnRow).where(m.TurnRow.transcript_id == transcript_id).order_by(m.TurnRow.idx))
    return transcript_record(row, list(turns))


def city_name(city: str | None) -> str:
    return city or "unknown"


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


__all__ = [
    "RunContents", "active_coders", "add_emergent_code", "assignment_counts", "cities_of", "city_name",
    "code_labels_of_origin", "code_origins", "document_pages", "emergent_topics", "excerpt_row", "excerpt_texts",
    "excerpts_with_transcripts", "has_code", "in_run", "latest_signoffs", "run_contents", "run_material",
    "run_progress", "runs", "stored_transcript", "suggestion_confidences", "topic_row", "topics_of",
    "transcript_record", "transcript_row",
]
