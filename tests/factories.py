"""Build stage records and store contents by hand for tests (no reader, no model)."""

from __future__ import annotations

import hashlib
from typing import Sequence

from pipeline.records import Codebook, Excerpt, ExcerptCoding, InterviewMeta, Topic, TopicAssignment, Transcript, Turn


def make_transcript(tid: str, turns: list[tuple[str, str, str]], *, city: str = "Bologna", role: str = "parent",
                    lang: str = "it") -> Transcript:
    """``turns`` are ``(speaker, role, text)``; the text is laid out as the ingest stage does."""
    text, built = "", []
    for i, (speaker, speaker_role, body) in enumerate(turns):
        prefix = f"{speaker}: "
        start = len(text) + len(prefix)
        text += prefix + body + "\n"
        built.append(Turn(i, speaker, speaker_role, body, start, start + len(body), lang))
    meta = InterviewMeta(tid, f"{tid}.txt", city=city, country="Italy", role=role, language=lang)
    return Transcript(tid, meta, f"{tid}.txt", hashlib.sha256(text.encode()).hexdigest(), "txt", "utf-8", text,
                      tuple(built), lang)


def seed_completed_run(store, run_id: str, *, transcripts: Sequence[Transcript] = (), excerpts: Sequence[Excerpt] = (),
                       codebook: Codebook | None = None, codings: Sequence[ExcerptCoding] = (),
                       topics: Sequence[Topic] = (), assignments: Sequence[TopicAssignment] = (),
                       corpus: str = "corpus", config: dict | None = None, study: str | None = None,
                       embedder_id: str | None = None):
    """A run that completed in ``store``, as the runner leaves one (without an output folder):
    its transcripts and excerpts (saved first; they outlive runs), its codebook, the run and its
    conclusions. Returns the ``Repository``."""
    from pipeline.codebook import codebook_to_dict
    from pipeline.store.repository import Repository

    repo = Repository(store)
    if transcripts:
        repo.save_transcripts(list(transcripts))
    if excerpts:
        repo.save_excerpts(list(excerpts))
    if codebook is not None:
        repo.save_codebook(codebook, codebook_to_dict(codebook))
    repo.create_run(run_id, corpus, config or {}, study=study)
    repo.save_run_results(run_id, codings=list(codings), assignments=list(assignments), topics=list(topics),
                          quarantined=[])
    repo.finish_run(run_id, status="completed", output_dir=None, summary={},
                    codebook_id=codebook.id if codebook is not None else None, embedder_id=embedder_id)
    return repo
