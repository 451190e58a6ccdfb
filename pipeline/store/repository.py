"""What the pipeline reads from and writes to the store. Each write is one transaction.

``Repository`` answers in the researchers' words (``latest_run(study)``, ``excerpts(ids)``,
``current_codes(excerpt_ids, coder)``, ``codebook_for(run)``), each in a session of its own;
the module's functions answer the same inside a caller's session or transaction. Outside
``pipeline/store/`` nothing imports the ORM models (``tests/store/test_boundary.py``).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timezone
from typing import Iterable, NamedTuple, Sequence

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pipeline.errors import NotFound
from pipeline.records import Codebook, Excerpt, ExcerptCoding, Quarantined, Topic, TopicAssignment, Transcript
from pipeline.store import models as m
from pipeline.store import ingest_cache
from pipeline.store.chunks import chunked
from pipeline.store.db import insert_ignoring_duplicates
from pipeline.store.codebooks import codebook_for
from pipeline.store.codings import CurrentCoding, UnitKey, current_codes, dismissed_codes
from pipeline.store.db import Store
from pipeline.store.models import utcnow
from pipeline.store.studies import latest_run, resolve_run, studies  # noqa: F401  (the store's one answer)


class OpenSuggestion(NamedTuple):
    """A suggestion no coder has decided on yet."""

    id: int
    excerpt_id: str
    code: str


def excerpts_by_id(session: Session, ids: Iterable[str]) -> dict[str, m.ExcerptRow]:
    """Stored excerpts by id, fetched in chunks (SQLite limits the variables of one query)."""
    found: dict[str, m.ExcerptRow] = {}
    for part in chunked(sorted(set(ids))):
        found.update((row.id, row) for row in session.scalars(select(m.ExcerptRow).where(m.ExcerptRow.id.in_(part))))
    return found


def excerpt_record(row: m.ExcerptRow) -> Excerpt:
    """A stored excerpt row as the record the stages read."""
    return Excerpt(row.id, row.transcript_id, row.start, row.end, row.text, row.turn_index, row.speaker,
                   row.language, row.question, row.guide_section, source_type=row.source_type, page=row.page)


def stored_excerpts(session: Session, ids: Iterable[str]) -> dict[str, Excerpt]:
    """Stored excerpts by id, as records (ids not in the store are left out)."""
    return {i: excerpt_record(row) for i, row in excerpts_by_id(session, ids).items()}


def transcript_texts(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """The stored text of each transcript (NFC, pseudonymised; the text offsets count in)."""
    out: dict[str, str] = {}
    for part in chunked(sorted(set(ids))):
        out.update(tuple(r) for r in session.execute(select(m.TranscriptRow.id, m.TranscriptRow.text)
                                                     .where(m.TranscriptRow.id.in_(part))))
    return out


def read_pseudonyms(session: Session) -> list[tuple[str, str, str]]:
    """The pseudonym key as ``(kind, original, pseudonym)`` entries."""
    rows = session.execute(select(m.PseudonymRow.kind, m.PseudonymRow.original, m.PseudonymRow.pseudonym))
    return [tuple(r) for r in rows]


def write_pseudonyms(session: Session, entries: Iterable[tuple[str, str, str]]) -> int:
    """Add new pseudonym key entries (inside the caller's transaction); how many were new."""
    return insert_ignoring_duplicates(session, m.PseudonymRow, [
        {"kind": k, "original": o, "pseudonym": p, "created_at": utcnow()} for k, o, p in entries])


def write_codebook(s: Session, codebook: Codebook, content: dict) -> None:
    """Store a codebook and its codes unless it is there (inside the caller's transaction)."""
    # Not "read, then add if missing": two runs starting at once both found it missing and
    # the second failed on the primary key. The insert that loses the race adds nothing.
    row = dict(id=codebook.id, name=codebook.name, version=codebook.version, sha256=codebook.sha256,
               content=content, created_at=utcnow())
    if not insert_ignoring_duplicates(s, m.CodebookRow, [row]):
        return
    s.add_all(
        m.CodeRow(codebook_id=codebook.id, name=c.name, label=c.label, description=c.description,
                  parent=c.parent, colour=c.colour)
        for c in codebook.codes
    )


def write_transcripts(s: Session, transcripts: Sequence[Transcript], rewrite: Iterable[str] = ()) -> None:
    """Insert new transcripts, replace changed ones (their turns too), leave unchanged ones
    (inside the caller's transaction). Transcripts in ``rewrite`` are written even when their
    text is unchanged (their manifest row, hence roles or metadata, may have changed)."""
    rewrite = set(rewrite)
    for t in transcripts:
        row = s.get(m.TranscriptRow, t.id)
        if (row is not None and row.text_sha256 == t.text_sha256 and row.source_sha256 == t.source_sha256
                and t.id not in rewrite):
            continue
        values = dict(
            file=t.meta.file, format=t.format, encoding=t.encoding, source_sha256=t.source_sha256,
            text_sha256=t.text_sha256, text=t.text, language=t.language, city=t.meta.city,
            country=t.meta.country, role=t.meta.role, date=t.meta.date, source_type=t.source_type,
            variables={**t.meta.extra, **({"language": t.meta.language} if t.meta.language else {})},
            updated_at=utcnow(),
        )
        if row is None:  # another run may be inserting it at this moment: ignore, don't fail
            insert_ignoring_duplicates(s, m.TranscriptRow, [{"id": t.id, **values}])
        else:
            for k, v in values.items():
                setattr(row, k, v)
            s.execute(delete(m.TurnRow).where(m.TurnRow.transcript_id == t.id))
            # what the ingest cache said about the old content no longer holds
            s.execute(delete(m.IngestCacheRow).where(m.IngestCacheRow.transcript_id == t.id))
            s.flush()
        insert_ignoring_duplicates(s, m.TurnRow, [
            dict(transcript_id=t.id, idx=u.index, speaker=u.speaker, role=u.role, start=u.start, end=u.end,
                 lang=u.lang, time_start=u.time_start, time_end=u.time_end, page=u.page)
            for u in t.turns
        ])


def write_excerpts(s: Session, excerpts: Sequence[Excerpt]) -> int:
    """Insert excerpts not yet stored (inside the caller's transaction); how many were new."""
    from pipeline.embed.cache import text_hash

    rows = [dict(id=e.id, transcript_id=e.transcript_id, start=e.start, end=e.end, text=e.text,
                 text_sha256=text_hash(e.text), turn_index=e.turn_index, speaker=e.speaker, language=e.language,
                 question=e.question, guide_section=e.guide_section, source_type=e.source_type,
                 page=e.page) for e in excerpts]
    return insert_ignoring_duplicates(s, m.ExcerptRow, rows)


class Repository:
    """The pipeline's view of the store; also the embedding cache (``VectorCache``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- pseudonym key ------------------------------------------------------------------------
    def pseudonym_entries(self) -> list[tuple[str, str, str]]:
        with self.store.session() as s:
            return read_pseudonyms(s)

    def add_pseudonyms(self, entries: Iterable[tuple[str, str, str]]) -> int:
        with self.store.transaction() as s:
            return write_pseudonyms(s, entries)

    # -- runs -----------------------------------------------------------------------------------
    def create_run(self, run_id: str, corpus: str, config: dict, study: str | None = None) -> None:
        """Start a run in ``study`` (default: the corpus folder's name), creating the study if new."""
        from pipeline.store.studies import ensure_study, study_name_of

        with self.store.transaction() as s:
            name = study or study_name_of(corpus)
            ensure_study(s, name)
            s.add(m.Run(id=run_id, corpus=corpus, config=config, status="running", study=name,
                        summary={"pid": os.getpid(), "host": socket.gethostname()}))

    def abandon_dead_runs(self) -> list[str]:
        """Mark ``running`` runs of this host whose process is gone as ``abandoned``; return their ids.

        A run killed with -9 cannot mark itself; its conclusions were never written (they are
        one transaction at the very end), so only its status and its work folder need care.
        """
        import psutil

        host = socket.gethostname()
        with self.store.session() as s:
            running = s.scalars(select(m.Run).where(m.Run.status == "running")).all()
        dead = [r.id for r in running
                if (r.summary or {}).get("host") == host and not psutil.pid_exists((r.summary or {}).get("pid", -1))]
        for run_id in dead:
            self.fail_run(run_id, "the process ended before the run finished (killed or crashed)", status="abandoned")
        return dead

    def finish_run(self, run_id: str, *, status: str, output_dir: str | None, summary: dict,
                   codebook_id: str | None = None, embedder_id: str | None = None) -> None:
        with self.store.transaction() as s:
            run = s.get(m.Run, run_id)
            run.status = status
            run.finished_at = datetime.now(timezone.utc)
            run.output_dir = output_dir
            run.summary = summary
            if codebook_id:
                run.codebook_id = codebook_id
            if embedder_id:
                run.embedder_id = embedder_id
            if status == "completed":
                from pipeline.store.studies import add_run_transcripts

                s.flush()
                add_run_transcripts(s, run_id)

    def fail_run(self, run_id: str, error: str, status: str = "failed") -> None:
        """Mark a run failed and drop whatever it concluded, in one transaction."""
        with self.store.transaction() as s:
            for table in (m.SuggestionRow, m.RunExcerpt, m.TopicRow, m.QuarantineRow):
                s.execute(delete(table).where(table.run_id == run_id))
            run = s.get(m.Run, run_id)
            if run is not None:
                run.status = status
                run.finished_at = datetime.now(timezone.utc)
                run.summary = {"error": error}

    def latest_run(self, study: str | None = None, status: str = "completed") -> m.Run | None:
        """The newest run of ``status`` in ``study`` (of the whole store when ``study`` is None)."""
        with self.store.session() as s:
            return latest_run(s, study, status)

    def run(self, run_id: str) -> m.Run:
        """The run called ``run_id`` (``NotFound`` if there is none)."""
        with self.store.session() as s:
            found = s.get(m.Run, run_id)
        if found is None:
            raise NotFound(f"no run {run_id!r} in the store")
        return found

    def codebook_for(self, run: m.Run, *, added: bool = True) -> Codebook:
        """The run's codebook, with the codes coders added since unless ``added=False``."""
        with self.store.session() as s:
            return codebook_for(s, run, added=added)

    def run_excerpt_ids(self, run_id: str) -> list[str]:
        """The excerpts a run saw, in the order it stored them."""
        with self.store.session() as s:
            return list(s.scalars(select(m.RunExcerpt.excerpt_id).where(m.RunExcerpt.run_id == run_id)))

    # -- suggestions and decisions ---------------------------------------------------------
    def open_suggestions(self, run_id: str) -> list[OpenSuggestion]:
        """The run's suggestions no coder has decided on yet."""
        with self.store.session() as s:
            return [OpenSuggestion(*r) for r in s.execute(
                select(m.SuggestionRow.id, m.SuggestionRow.excerpt_id, m.SuggestionRow.code)
                .where(m.SuggestionRow.run_id == run_id, m.SuggestionRow.status == "suggested"))]

    def rescore_suggestions(self, scores: dict[int, tuple[float, str]]) -> int:
        """Set ``(confidence, reason)`` of suggestions by id, in one transaction; a suggestion
        decided meanwhile is left alone (a coder's decision wins). How many rows changed."""
        changed = 0
        with self.store.transaction() as s:
            for suggestion_id, (confidence, reason) in scores.items():
                row = s.get(m.SuggestionRow, suggestion_id)
                if row is None or row.status != "suggested":
                    continue
                if abs(row.confidence - confidence) > 1e-9 or row.reason != reason:
                    row.confidence, row.reason = confidence, reason
                    changed += 1
        return changed

    def current_codes(self, excerpt_ids: Iterable[str] | None = None, coder: str | None = None,
                      **where) -> dict[UnitKey, CurrentCoding]:
        """Every unit's current code set from the decision log (``pipeline.store.codings.current_codes``)."""
        with self.store.session() as s:
            return current_codes(s, excerpt_ids, coder=coder, **where)

    def dismissed_codes(self, excerpt_ids: Iterable[str]) -> dict[str, set[str]]:
        """Per excerpt, the codes whose suggestions a coder rejected or recoded away."""
        with self.store.session() as s:
            return dismissed_codes(s, excerpt_ids)

    # -- codebook -------------------------------------------------------------------------------
    def save_codebook(self, codebook: Codebook, content: dict) -> None:
        with self.store.transaction() as s:
            write_codebook(s, codebook, content)

    # -- transcripts and excerpts ------------------------------------------------------------
    def save_transcripts(self, transcripts: Sequence[Transcript], ingest_keys: dict[str, str] | None = None) -> None:
        """Insert new transcripts, replace changed ones (their turns too), leave unchanged ones;
        remember each one's ingest key (``ingest_cache.save_transcripts``)."""
        with self.store.transaction() as s:
            ingest_cache.save_transcripts(s, transcripts, ingest_keys or {})

    def stored_transcripts(self, asked: dict[str, tuple[str, str]]) -> dict[str, Transcript]:
        """The transcripts stored under exactly the ingest key asked for (``ingest_cache.stored_transcripts``)."""
        with self.store.session() as s:
            return ingest_cache.stored_transcripts(s, asked)

    def stored_excerpts(self, segment_keys: dict[str, str]) -> dict[str, list[Excerpt]]:
        """The excerpts, in order, of each transcript last segmented under exactly the key asked for."""
        with self.store.session() as s:
            return ingest_cache.stored_excerpts(s, segment_keys)

    def remember_segmentation(self, segmented: dict[str, tuple[str, list[str]]]) -> None:
        """``{transcript_id: (segment_key, excerpt ids in order)}`` (``ingest_cache.remember_segmentation``)."""
        if segmented:
            with self.store.transaction() as s:
                ingest_cache.remember_segmentation(s, segmented)

    def save_excerpts(self, excerpts: Sequence[Excerpt]) -> int:
        """Insert excerpts not yet stored (ids are content-derived, so existing ones are identical)."""
        with self.store.transaction() as s:
            return write_excerpts(s, excerpts)

    def excerpts(self, ids: Iterable[str]) -> dict[str, Excerpt]:
        """Stored excerpts by id, as records."""
        with self.store.session() as s:
            return stored_excerpts(s, ids)

    def transcript_texts(self, ids: Iterable[str]) -> dict[str, str]:
        """The stored text of each transcript."""
        with self.store.session() as s:
            return transcript_texts(s, ids)

    # -- embedding cache (VectorCache) ---------------------------------------------------------
    def get_vectors(self, embedder_id: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self.store.session() as s:
            for part in chunked(list(hashes)):
                rows = s.execute(
                    select(m.EmbeddingRow.text_sha256, m.EmbeddingRow.vector).where(
                        m.EmbeddingRow.embedder_id == embedder_id, m.EmbeddingRow.text_sha256.in_(part)
                    )
                )
                for h, blob in rows:
                    out[h] = np.frombuffer(blob, dtype="<f4").copy()
        return out

    def put_vectors(self, embedder_id: str, vectors: dict[str, np.ndarray]) -> None:
        rows = [dict(embedder_id=embedder_id, text_sha256=h, dim=int(v.shape[0]),
                     vector=np.asarray(v, dtype="<f4").tobytes()) for h, v in vectors.items()]
        with self.store.transaction() as s:
            insert_ignoring_duplicates(s, m.EmbeddingRow, rows)

    # -- run results ----------------------------------------------------------------------------
    @staticmethod
    def _kept_theme_names(s, run_id: str, topics: Sequence[Topic]) -> dict[int, str]:
        """Coders' names for topics that an earlier run had with the same id and keywords.

        A topic kept by the ``reused``, ``extended`` or ``merged`` policy keeps its id and its
        keywords, so the name a coder gave it in the app carries over to the new run; a
        refitted topic has other keywords and starts unnamed.
        """
        wanted = {t.topic_id: list(t.keywords) for t in topics}
        if not wanted:
            return {}
        rows = s.execute(select(m.TopicRow.topic_id, m.TopicRow.keywords, m.TopicRow.name)
                         .join(m.Run, m.Run.id == m.TopicRow.run_id)
                         .where(m.TopicRow.run_id != run_id, m.TopicRow.name.is_not(None),
                                m.TopicRow.topic_id.in_(list(wanted)))
                         .order_by(m.Run.started_at.desc(), m.Run.id.desc()))
        names: dict[int, str] = {}
        for topic_id, keywords, name in rows:
            if topic_id not in names and list(keywords or []) == wanted[topic_id]:
                names[topic_id] = name
        return names

    def save_run_results(
        self,
        run_id: str,
        *,
        codings: Sequence[ExcerptCoding],
        assignments: Sequence[TopicAssignment],
        topics: Sequence[Topic],
        quarantined: Sequence[Quarantined],
    ) -> None:
        """Everything a run concluded, in one transaction (a crash leaves none of it)."""
        topic_of = {a.excerpt_id: a.topic_id for a in assignments}
        with self.store.transaction() as s:
            for table in (m.SuggestionRow, m.RunExcerpt, m.TopicRow, m.QuarantineRow):
                s.execute(delete(table).where(table.run_id == run_id))
            names = self._kept_theme_names(s, run_id, topics)
            s.add_all(
                m.TopicRow(run_id=run_id, topic_id=t.topic_id, label=t.label, keywords=list(t.keywords),
                           size=t.size, representative_ids=list(t.representative_ids), codes=list(t.codes),
                           code_scores=dict(t.code_scores), emergent=t.emergent, new_in_run=t.new_in_run,
                           name=names.get(t.topic_id))
                for t in topics
            )
            s.add_all(
                m.RunExcerpt(run_id=run_id, excerpt_id=c.excerpt_id, topic_id=topic_of.get(c.excerpt_id),
                             scores={sc.code: round(sc.score, 5) for sc in c.scores})
                for c in codings
            )
            s.add_all(
                m.SuggestionRow(run_id=run_id, excerpt_id=sg.excerpt_id, code=sg.code, confidence=sg.confidence,
                                reason=sg.reason, rank=sg.rank, status="suggested")
                for c in codings for sg in c.suggestions
            )
            s.add_all(m.QuarantineRow(run_id=run_id, file=q.file, reason=q.reason) for q in quarantined)

