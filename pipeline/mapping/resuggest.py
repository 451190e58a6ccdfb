"""Re-suggesting for a run from the store's decisions (``qualflow learn``).

Every decision a coder made is a training example (``training_examples_from_decisions``);
``resuggest`` fits the run's mapper (or the default learning mapper, when the run's mapper
does not learn) on them and re-scores the run's open suggestions.
"""

from __future__ import annotations

from typing import Sequence

from pipeline.embed.base import Embedder
from pipeline.mapping.vectors import LabelledExcerpt, embed_codebook, embed_excerpts
from pipeline.records import Excerpt

def training_examples_from_decisions(store, *, excerpt_ids: Sequence[str] | None = None) -> list[LabelledExcerpt]:
    """Every excerpt a coder has decided on, as a training example.

    The latest decision on an excerpt (any coder) gives its positives (``codes`` is the set
    after the decision). Negatives: codes whose suggestions on it were rejected or recoded
    away; a ``recode`` or ``code`` decision states the full set, so then every other code is
    a negative; so does a spot check answered ``none`` (every code a negative). Hand-coded spans (``start``/``end``) become examples of their own text.
    """
    from sqlalchemy import select

    from pipeline.store import models as m
    from pipeline.store.repository import excerpt_record, excerpts_by_id

    with store.session() as s:
        q = select(m.Decision).order_by(m.Decision.id)
        if excerpt_ids is not None:
            q = q.where(m.Decision.excerpt_id.in_(list(excerpt_ids)))
        decisions = list(s.scalars(q))
        ids = sorted({d.excerpt_id for d in decisions})
        rows = excerpts_by_id(s, ids)
        rejected: dict[str, set[str]] = {}
        for i in range(0, len(ids), 500):
            for sg in s.scalars(select(m.SuggestionRow).where(
                    m.SuggestionRow.excerpt_id.in_(ids[i:i + 500]),
                    m.SuggestionRow.status.in_(["rejected", "recoded"]))):
                rejected.setdefault(sg.excerpt_id, set()).add(sg.code)
        texts = {}
        for tid in {r.transcript_id for r in rows.values()}:
            texts[tid] = s.get(m.TranscriptRow, tid).text

    unit_of: dict[int, tuple] = {}
    latest: dict[tuple, object] = {}
    for d in decisions:
        unit = unit_of.get(d.undoes) if d.action == "undo" and d.undoes in unit_of else (d.excerpt_id, d.start, d.end)
        unit_of[d.id] = unit
        latest[unit] = d
    examples = []
    for (excerpt_id, start, end), d in latest.items():
        r = rows[excerpt_id]
        positive = frozenset(d.codes or ())
        complete = d.action in ("recode", "code", "none")  # "none": seen and left uncoded (a spot check)
        negative = None if complete else frozenset(rejected.get(excerpt_id, set()) - positive)
        if start is not None and end is not None:
            text = texts[r.transcript_id][start:end]
            from pipeline.segment import excerpt_id as make_id

            excerpt = Excerpt(make_id(r.transcript_id, start, end, text), r.transcript_id, start, end, text,
                              r.turn_index, r.speaker, r.language, r.question, r.guide_section)
        else:
            excerpt = excerpt_record(r)
        if positive or negative is None or negative:
            examples.append(LabelledExcerpt(excerpt, positive, negative))
    return examples


def resuggest(store, run_id: str, *, embedder: Embedder | None = None, mapper: str | None = None,
              notes: list[str] | None = None) -> int:
    """Re-score a run's open suggestions with a mapper trained on every decision so far.

    ``mapper``: a registered mapper that learns; default the run's own mapper when it
    learns, else ``LEARNING_DEFAULT`` (``pipeline.mapping.base.learning_mapper``). ``notes``: a list the mapper's notes are added to
    (codes it would not promise ``min_precision`` for).

    Only rows still ``suggested`` change (their ``confidence`` and ``reason``); decided
    rows are never touched, and no suggestion is added or removed. Returns how many rows
    changed. Uses the run's own codebook, embedder settings and mapping settings.
    """
    from sqlalchemy import select

    from pipeline.codebook import codebook_from_dict
    from pipeline.config import RunConfig
    from pipeline.embed.factory import make_embedder
    from pipeline.errors import NotFound
    from pipeline.store import models as m
    from pipeline.store.repository import Repository, excerpt_record, excerpts_by_id

    with store.session() as s:
        run = s.get(m.Run, run_id)
        if run is None:
            raise NotFound(f"no run {run_id!r} in the store")
        if run.codebook_id is None:
            raise NotFound(f"run {run_id!r} has no codebook recorded")
        codebook = codebook_from_dict(s.get(m.CodebookRow, run.codebook_id).content, f"codebook {run.codebook_id}")
        config = RunConfig.model_validate(run.config or {})
        open_rows = list(s.scalars(select(m.SuggestionRow).where(
            m.SuggestionRow.run_id == run_id, m.SuggestionRow.status == "suggested")))
        seen = [r.excerpt_id for r in s.scalars(select(m.RunExcerpt).where(m.RunExcerpt.run_id == run_id))]
        excerpt_rows = excerpts_by_id(s, seen)
    if not open_rows:
        return 0
    embedder = embedder or make_embedder(config.embed)
    cache = Repository(store)
    prototypes, proto_vectors = embed_codebook(embedder, codebook, cache)
    examples = training_examples_from_decisions(store)
    known = {c.name for c in codebook.codes}
    examples = [LabelledExcerpt(ex.excerpt, ex.positive & known, None if ex.negative is None else ex.negative & known)
                for ex in examples]
    train_vectors = embed_excerpts(embedder, [ex.excerpt for ex in examples], cache) if examples else None
    from pipeline.mapping.base import learning_mapper, mapper_class

    name = mapper or learning_mapper(config.mapping.mapper)
    from pipeline.mapping.dimensions import fit_per_dimension

    model = fit_per_dimension(mapper_class(name), config.mapping.model_copy(update={"mapper": name}), codebook,
                              proto_vectors, prototypes, examples, train_vectors)
    if notes is not None:
        notes.extend(model.notes())

    # Score every excerpt of the run together: zero-shot parts standardise over the run.
    excerpts = [excerpt_record(r) for r in excerpt_rows.values()]
    codings = model.code(excerpts, embed_excerpts(embedder, excerpts, cache))
    by_excerpt = {c.excerpt_id: c for c in codings}
    changed = 0
    with store.transaction() as s:
        for r in open_rows:
            coding = by_excerpt.get(r.excerpt_id)
            score = None if coding is None else next((x.score for x in coding.scores if x.code == r.code), None)
            if score is None:
                continue
            value = round(float(score), 4)
            suggested = next((x for x in coding.suggestions if x.code == r.code), None)
            reason = suggested.reason if suggested else (
                f"{model.id}: confidence {value:.2f}, below this code's suggestion threshold now")
            row = s.get(m.SuggestionRow, r.id)
            if row is None or row.status != "suggested":
                continue  # decided meanwhile: a coder's decision wins
            if abs(row.confidence - value) > 1e-9 or row.reason != reason:
                row.confidence, row.reason = value, reason
                changed += 1
    return changed


__all__ = ["resuggest", "training_examples_from_decisions"]
