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
    On an excerpt an admin reconciled, the agreed codes are the example (all other codes
    negatives) and the coders' own decisions on it are not (``pipeline.quality.precedence``).
    """
    from pipeline.store.codings import with_agreed
    from pipeline.store.repository import Repository

    repo = Repository(store)
    # the latest decision by anyone; on a reconciled excerpt, the agreed codes in place of every coder's units
    current = with_agreed(repo.current_codes(excerpt_ids, per_coder=False), repo.current_codes(excerpt_ids))
    ids = sorted({c.excerpt_id for c in current.values()})
    stored = repo.excerpts(ids)
    rejected = repo.dismissed_codes(ids)
    texts = repo.transcript_texts({e.transcript_id for e in stored.values()})

    examples = []
    for c in current.values():
        r = stored[c.excerpt_id]
        positive = frozenset(c.codes)
        complete = c.action in ("recode", "code", "none")  # "none": seen and left uncoded (a spot check)
        negative = None if complete else frozenset(rejected.get(c.excerpt_id, set()) - positive)
        if c.start is not None and c.end is not None:
            text = texts[r.transcript_id][c.start:c.end]
            from pipeline.segment import excerpt_id as make_id

            excerpt = Excerpt(make_id(r.transcript_id, c.start, c.end, text), r.transcript_id, c.start, c.end, text,
                              r.turn_index, r.speaker, r.language, r.question, r.guide_section)
        else:
            excerpt = r
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
    from pipeline.config import RunConfig
    from pipeline.embed.factory import make_embedder
    from pipeline.errors import NotFound
    from pipeline.store.repository import Repository

    repo = Repository(store)
    run = repo.run(run_id)
    if run.codebook_id is None:
        raise NotFound(f"run {run_id!r} has no codebook recorded")
    codebook = repo.codebook_for(run, added=False)  # the codes the run's mapper was fitted on
    config = RunConfig.model_validate(run.config or {})
    open_rows = repo.open_suggestions(run_id)
    stored = repo.excerpts(repo.run_excerpt_ids(run_id))
    if not open_rows:
        return 0
    embedder = embedder or make_embedder(config.embed)
    cache = repo  # the repository is the embedding cache too
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
    excerpts = list(stored.values())
    codings = model.code(excerpts, embed_excerpts(embedder, excerpts, cache))
    by_excerpt = {c.excerpt_id: c for c in codings}
    scores: dict[int, tuple[float, str]] = {}
    for r in open_rows:
        coding = by_excerpt.get(r.excerpt_id)
        score = None if coding is None else next((x.score for x in coding.scores if x.code == r.code), None)
        if score is None:
            continue
        value = round(float(score), 4)
        suggested = next((x for x in coding.suggestions if x.code == r.code), None)
        scores[r.id] = (value, suggested.reason if suggested else (
            f"{model.id}: confidence {value:.2f}, below this code's suggestion threshold now"))
    return repo.rescore_suggestions(scores)  # a suggestion decided meanwhile keeps its decision


__all__ = ["resuggest", "training_examples_from_decisions"]
