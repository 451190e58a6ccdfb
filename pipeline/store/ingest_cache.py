"""The ingest cache: which transcripts and excerpts a run may take from the store instead of
reading and segmenting their files again (``pipeline.ingest.reuse`` makes the keys).

Each transcript read from a file is stored with its **ingest key** (file bytes, manifest row,
languages, reader and lingua versions); a later run that computes the same key takes the
transcript, turns and metadata from here. After segmentation its **segment key** and the ids
of its excerpts, in order, are kept too, so the same key gives the same excerpts back.
Functions work inside the caller's session or transaction (``Repository`` wraps them).
"""

from __future__ import annotations

from typing import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pipeline.records import Excerpt, Transcript
from pipeline.store import models as m
from pipeline.store.chunks import chunked


def save_transcripts(s: Session, transcripts: Sequence[Transcript], ingest_keys: dict[str, str]) -> None:
    """Write the transcripts (``repository.write_transcripts``); those read under a new ingest key
    are rewritten, even if their text is unchanged, and stored with that key."""
    from pipeline.ingest.reuse import meta_to_json
    from pipeline.store.db import insert_ignoring_duplicates
    from pipeline.store.repository import write_transcripts

    known = dict(s.execute(select(m.IngestCacheRow.transcript_id, m.IngestCacheRow.ingest_key).where(
        m.IngestCacheRow.transcript_id.in_(list(ingest_keys)))).all()) if ingest_keys else {}
    rewrite = {i for i, key in ingest_keys.items() if known.get(i) != key}
    write_transcripts(s, transcripts, rewrite)
    s.flush()
    for t in transcripts:
        if t.id in rewrite:
            s.execute(delete(m.IngestCacheRow).where(m.IngestCacheRow.transcript_id == t.id))
            insert_ignoring_duplicates(s, m.IngestCacheRow, [dict(
                transcript_id=t.id, ingest_key=ingest_keys[t.id], meta=meta_to_json(t.meta))])


def stored_transcripts(s: Session, asked: dict[str, tuple[str, str]]) -> dict[str, Transcript]:
    """``{interview_id: (ingest_key, source_path)}`` in, ``{interview_id: Transcript}`` out, for
    the transcripts stored under exactly that key (``ingest_corpus``'s ``stored``)."""
    from pipeline.ingest.reuse import meta_from_json, transcript_from_store

    found: dict[str, Transcript] = {}
    for part in chunked(sorted(asked)):
        rows = s.execute(select(m.IngestCacheRow, m.TranscriptRow).join(
            m.TranscriptRow, m.TranscriptRow.id == m.IngestCacheRow.transcript_id).where(
            m.IngestCacheRow.transcript_id.in_(part))).all()
        hits = {cache.transcript_id: (cache, t) for cache, t in rows if cache.ingest_key == asked[t.id][0]}
        turns: dict[str, list[dict]] = {}
        for u in s.scalars(select(m.TurnRow).where(m.TurnRow.transcript_id.in_(list(hits)))):
            turns.setdefault(u.transcript_id, []).append(dict(
                idx=u.idx, speaker=u.speaker, role=u.role, start=u.start, end=u.end, lang=u.lang,
                time_start=u.time_start, time_end=u.time_end, page=u.page))
        for i, (cache, t) in hits.items():
            found[i] = transcript_from_store(
                id=i, meta=meta_from_json(cache.meta), source_path=asked[i][1], source_sha256=t.source_sha256,
                format=t.format, encoding=t.encoding, text=t.text, language=t.language,
                source_type=t.source_type, turns=turns.get(i, []))
    return found


def stored_excerpts(s: Session, segment_keys: dict[str, str]) -> dict[str, list[Excerpt]]:
    """The excerpts, in order, of each transcript last segmented under exactly the key asked for."""
    from pipeline.store.repository import excerpt_record, excerpts_by_id

    found: dict[str, list[Excerpt]] = {}
    for part in chunked(sorted(segment_keys)):
        hits = {row.transcript_id: list(row.excerpt_ids) for row in s.scalars(
            select(m.IngestCacheRow).where(m.IngestCacheRow.transcript_id.in_(part)))
            if row.segment_key is not None and row.segment_key == segment_keys[row.transcript_id]
            and row.excerpt_ids is not None}
        rows = excerpts_by_id(s, [e for ids in hits.values() for e in ids])
        for i, ids in hits.items():
            if all(e in rows for e in ids):
                found[i] = [excerpt_record(rows[e]) for e in ids]
    return found


def remember_segmentation(s: Session, segmented: dict[str, tuple[str, list[str]]]) -> None:
    """``{transcript_id: (segment_key, excerpt ids in order)}`` for transcripts that have an
    ingest-cache row (the others were not read from a file, e.g. survey respondents)."""
    for part in chunked(sorted(segmented)):
        for row in s.scalars(select(m.IngestCacheRow).where(m.IngestCacheRow.transcript_id.in_(part))):
            row.segment_key, row.excerpt_ids = segmented[row.transcript_id][0], list(segmented[row.transcript_id][1])


__all__ = ["remember_segmentation", "save_transcripts", "stored_excerpts", "stored_transcripts"]
