"""The ``analyse_corpus`` Prefect flow: a thin sequence of tasks over ``pipeline.runner``.

All logic lives in ``pipeline``; this module adds what Prefect is for: retries on I/O,
per-transcript tasks that a parallel task runner can spread out, and a record of every run
(in the Prefect UI when ``PREFECT_API_URL`` points at a server).
"""

from __future__ import annotations

import numpy as np
from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE

from pipeline import progress, runner
from pipeline.errors import QualflowError
from pipeline.runner import Timer


def _retry_on_io_only(task, task_run, state) -> bool:
    """Retry transient I/O failures; a user's bad input will fail the same way again."""
    try:
        state.result()
    except QualflowError:
        return False
    except OSError:
        return True
    except Exception:
        return False
    return False


# Task inputs are large in-memory objects (transcripts, vectors): NO_CACHE stops Prefect from
# hashing them for a cache key we would never use.
_TASK = dict(cache_policy=NO_CACHE, persist_result=False)


@task(name="ingest", retries=2, retry_delay_seconds=1, retry_condition_fn=_retry_on_io_only, **_TASK)
def ingest_task(plan):
    return runner.ingest(plan)


@task(name="segment", **_TASK)
def segment_task(transcript, linker, plan):
    return runner.segment(transcript, linker, plan)


@task(name="embed", retries=1, retry_condition_fn=_retry_on_io_only, **_TASK)
def embed_task(excerpts, plan):
    return runner.embed(plan, excerpts)


@task(name="topics", **_TASK)
def topics_task(plan, excerpts, vectors):
    return runner.topics(plan, excerpts, vectors)


@task(name="map", **_TASK)
def map_task(plan, excerpts, vectors, found_topics):
    return runner.map_codes(plan, excerpts, vectors, found_topics)


@task(name="outputs", retries=1, retry_condition_fn=_retry_on_io_only, **_TASK)
def outputs_task(plan, **results):
    return runner.finish(plan, **results)


@flow(name="analyse_corpus", log_prints=False, validate_parameters=True)
def analyse_corpus(
    corpus: str,
    codebook: str | None = None,
    config: str | None = None,
    strict: bool = False,
    run_id: str | None = None,
    database_url: str | None = None,
    refit: bool = False,
) -> dict:
    """Ingest, segment, embed, topic-model and code a corpus folder; return the run's summary."""
    plan = runner.plan_run(corpus, codebook=codebook, config=config, strict=strict, run_id=run_id,
                           database_url=database_url, refit=refit)
    runner.start_run(plan)
    try:
        progress.start("ingest")
        with Timer(plan, "ingest"):
            ingested = ingest_task(plan)
        progress.finish("ingest")

        progress.start("segment", len(ingested.transcripts))
        with Timer(plan, "segment"):
            linker = runner.guide_linker(ingested.guide)
            per_transcript = [f.result() for f in segment_task.map(ingested.transcripts, unmapped(linker), unmapped(plan))]
            excerpts = [e for part in per_transcript for e in part]
            runner.save_excerpts(plan, excerpts)
        progress.finish("segment")

        progress.start("embed", len(excerpts))
        with Timer(plan, "embed"):
            batches = [part for part in per_transcript if part]
            embedded = [f.result() for f in embed_task.map(batches, unmapped(plan))]
            dim = runner.embedder_for(plan).dim
            vectors = np.vstack([v for v, _ in embedded]) if embedded else np.zeros((0, dim), dtype=np.float32)
            embed_stats = {k: sum(s[k] for _, s in embedded) for k in ("texts", "cache_hits", "embedded")}
        progress.finish("embed")

        progress.start("topics")
        with Timer(plan, "topics"):
            found_topics, topic_model = topics_task(plan, excerpts, vectors)
        progress.finish("topics")

        progress.start("map")
        with Timer(plan, "map"):
            codings, mapped_topics = map_task(plan, excerpts, vectors, found_topics)
        progress.finish("map")

        progress.start("outputs")
        with Timer(plan, "outputs"):
            output_dir = outputs_task(
                plan, ingested=ingested, excerpts=excerpts, vectors=vectors, codings=codings,
                found_topics=found_topics, mapped_topics=mapped_topics, topic_model=topic_model,
                embed_stats=embed_stats,
            )
        progress.finish("outputs")
    except BaseException as exc:
        runner.fail_run(plan, exc)
        raise
    return {
        "run_id": plan.run_id,
        "output_dir": str(output_dir),
        "transcripts": len(ingested.transcripts),
        "quarantined": [{"file": q.file, "reason": q.reason} for q in ingested.quarantined],
        "excerpts": len(excerpts),
        "topics": len(mapped_topics),
        "timings": dict(plan.timings),
    }
