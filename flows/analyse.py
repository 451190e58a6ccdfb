"""The ``analyse_corpus`` Prefect flow: a thin sequence of tasks over ``pipeline.runner``.

All logic lives in ``pipeline``; this module adds what Prefect is for: retries on I/O, work
split into tasks that a parallel task runner can spread out (segmentation per batch of
transcripts, embedding per batch of excerpts of similar length, coding per batch; topic
modelling is one task), and a record of every run (in the Prefect UI when ``PREFECT_API_URL`` points at a
server). With ``dask_address`` the same flow runs as a subflow on ``DaskTaskRunner`` and the
tasks execute on that Dask cluster's workers.
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
def segment_task(transcripts, linker, plan):
    return runner.segment(transcripts, linker, plan)


@task(name="embed", retries=1, retry_condition_fn=_retry_on_io_only, **_TASK)
def embed_task(excerpts, plan):
    return runner.embed(plan, excerpts)


@task(name="topics", **_TASK)
def topics_task(plan, excerpts, vectors):
    return runner.topics(plan, excerpts, vectors)


@task(name="prototypes", retries=1, retry_condition_fn=_retry_on_io_only, **_TASK)
def mapper_task(plan):
    return runner.fit_mapper(plan)


@task(name="code", **_TASK)
def code_task(mapper, excerpts, views):
    return runner.code_excerpts(mapper, excerpts, views)


@task(name="code-run", **_TASK)
def code_run_task(plan, mapper, excerpts, views):
    return runner.code_run(plan, mapper, excerpts, views)


@task(name="context", retries=1, retry_condition_fn=_retry_on_io_only, **_TASK)
def context_task(plan, mapper, excerpts, vectors):
    return runner.context_vectors(plan, mapper, excerpts, vectors)


@task(name="map-topics", **_TASK)
def map_topics_task(plan, found_topics, codings):
    return runner.map_topics(plan, found_topics, codings)


@task(name="outputs", retries=1, retry_condition_fn=_retry_on_io_only, **_TASK)
def outputs_task(plan, **results):
    return runner.finish(plan, **results)


_PLANNED: dict[str, runner.RunPlan] = {}
"""Plans a caller made already (``analyse_planned``), by run id: the flow takes them instead of planning again."""


def analyse_planned(plan: runner.RunPlan, *, codebook: str | None = None, config: str | None = None,
                    dask_address: str | None = None) -> dict:
    """Run ``analyse_corpus`` on a plan the caller made (and so validated) already.

    The flow's parameters still name the inputs (``codebook`` and ``config`` are the paths the
    plan was made from), as the Prefect UI shows them, but the flow does not plan a second time.
    """
    _PLANNED[plan.run_id] = plan
    try:
        return analyse_corpus(str(plan.corpus), codebook=codebook, config=config, strict=plan.strict,
                              run_id=plan.run_id, database_url=plan.database_url, refit=plan.refit,
                              dask_address=dask_address, study=plan.study)
    finally:
        _PLANNED.pop(plan.run_id, None)


@flow(name="analyse_corpus", log_prints=False, validate_parameters=True)
def analyse_corpus(
    corpus: str,
    codebook: str | None = None,
    config: str | None = None,
    strict: bool = False,
    run_id: str | None = None,
    database_url: str | None = None,
    refit: bool = False,
    dask_address: str | None = None,
    study: str | None = None,
) -> dict:
    """Ingest, segment, embed, topic-model and code a corpus folder; return the run's summary."""
    if dask_address:
        from prefect_dask import DaskTaskRunner

        on_dask = analyse_corpus.with_options(name="analyse_corpus_on_dask",
                                              task_runner=DaskTaskRunner(address=dask_address))
        return on_dask(corpus, codebook=codebook, config=config, strict=strict, run_id=run_id,
                       database_url=database_url, refit=refit, study=study)
    from pipeline.memory import limit_malloc_arenas

    limit_malloc_arenas()
    plan = _PLANNED.pop(run_id, None) if run_id else None
    if plan is None:
        plan = runner.plan_run(corpus, codebook=codebook, config=config, strict=strict, run_id=run_id,
                               database_url=database_url, refit=refit, study=study)
    runner.start_run(plan)
    try:
        return _stages(plan)
    except BaseException as exc:
        runner.fail_run(plan, exc)
        raise


def _publish_summary(written) -> None:
    """The run's summary as a Markdown artifact on the flow run (the Prefect UI's Artifacts tab)."""
    from prefect.artifacts import create_markdown_artifact

    from pipeline.summaries.outputs import run_summary_markdown

    create_markdown_artifact(markdown=run_summary_markdown(written.run_json, written.codes_per_city,
                                                           written.output_dir),
                             key="qualflow-run-summary",
                             description="Excerpts, codes per city, quarantined files, link to the report")


def _stages(plan) -> dict:
    progress.start("ingest")
    with Timer(plan, "ingest"):
        ingested = ingest_task(plan)
        plan.reuse.update(runner.ingest_counts(ingested))
    progress.finish("ingest")

    progress.start("segment", len(ingested.transcripts))
    with Timer(plan, "segment"):
        # Transcripts segmented before under the same key keep their stored excerpts.
        keys, per_transcript = runner.stored_segmentations(plan, ingested)
        progress.advance("segment", len(per_transcript))
        todo = [t for t in ingested.transcripts if t.id not in per_transcript]
        segmented = {}
        if todo:
            linker = runner.guide_linker(ingested.guide)
            size = plan.config.segment.task_batch
            groups = [todo[i:i + size] for i in range(0, len(todo), size)]
            for group, future in zip(groups, segment_task.map(groups, unmapped(linker), unmapped(plan))):
                segmented.update((t.id, part) for t, part in zip(group, future.result()))
                progress.advance("segment", len(group))
            runner.save_excerpts(plan, [e for part in segmented.values() for e in part])
            runner.remember_segmentation(plan, keys, segmented)
        plan.reuse["transcripts_segmented"] = len(segmented)
        plan.reuse["excerpts_from_store"] = sum(len(part) for part in per_transcript.values())
        per_transcript.update(segmented)
        excerpts = [e for t in ingested.transcripts for e in per_transcript[t.id]]
    progress.finish("segment")

    progress.start("embed", len(excerpts))
    with Timer(plan, "embed"):
        batches = runner.embedding_batches(excerpts, plan.config.embed.task_batch)
        position = {e.id: i for i, e in enumerate(excerpts)}
        vectors = np.zeros((len(excerpts), runner.embedder_for(plan).dim), dtype=np.float32)
        embed_stats = {"texts": 0, "cache_hits": 0, "embedded": 0}
        for batch, future in zip(batches, embed_task.map(batches, unmapped(plan))):
            batch_vectors, stats = future.result()
            vectors[[position[e.id] for e in batch]] = batch_vectors
            embed_stats = {k: embed_stats[k] + stats[k] for k in embed_stats}
            progress.advance("embed", len(batch))
        # The codebook's prototypes, and the questions a context-reading mapper needs, are
        # embedded here with the excerpts, so that the model can go before topic modelling.
        mapper = mapper_task(plan)
        views = context_task(plan, mapper, excerpts, vectors)
        runner.release_embedder(plan)
    progress.finish("embed")

    progress.start("topics")
    with Timer(plan, "topics"):
        found_topics, topic_model = topics_task(plan, excerpts, vectors)
    progress.finish("topics")

    progress.start("map", len(excerpts))
    with Timer(plan, "map"):
        if runner.mapper_scope(plan) == "run":
            codings, notes = code_run_task(plan, mapper, excerpts, views)
            plan.mapping_notes.extend(notes)
            progress.advance("map", len(excerpts))
        else:
            size = plan.config.mapping.task_batch
            spans = [(i, min(i + size, len(excerpts))) for i in range(0, len(excerpts), size)]
            futures = code_task.map(unmapped(mapper), [excerpts[a:b] for a, b in spans],
                                    [views.take(np.arange(a, b)) for a, b in spans])
            codings = []
            for (a, b), future in zip(spans, futures):
                codings.extend(future.result())
                progress.advance("map", b - a)
        mapped_topics = map_topics_task(plan, found_topics, codings)
    progress.finish("map")

    progress.start("outputs")
    with Timer(plan, "outputs"):
        written = outputs_task(
            plan, ingested=ingested, excerpts=excerpts, vectors=vectors, codings=codings,
            found_topics=found_topics, mapped_topics=mapped_topics, topic_model=topic_model,
            embed_stats=embed_stats,
        )
    progress.finish("outputs")
    _publish_summary(written)
    return {
        "run_id": plan.run_id,
        "output_dir": str(written.output_dir),
        "transcripts": len(ingested.transcripts),
        "quarantined": [{"file": q.file, "reason": q.reason} for q in ingested.quarantined],
        "excerpts": len(excerpts),
        "topics": len(mapped_topics),
        "timings": dict(plan.timings),
        "run": written.run_json,
        "codes_per_city": written.codes_per_city,
    }
