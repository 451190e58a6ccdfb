"""Deployments of ``analyse_corpus``: its parameters, a work pool and an optional cron schedule."""

from __future__ import annotations

from pathlib import Path

from flows.server import POOL

REPO = Path(__file__).resolve().parents[1]
ENTRYPOINT = "flows/analyse.py:analyse_corpus"


def deploy(
    corpus: str | Path,
    *,
    name: str = "analyse",
    codebook: str | Path | None = None,
    config: str | Path | None = None,
    cron: str | None = None,
    pool: str = POOL,
    dask_address: str | None = None,
    database_url: str | None = None,
) -> str:
    """Create or update the deployment ``analyse_corpus/<name>``; return its id.

    Paths are made absolute, because the worker runs the flow from the code's folder.
    """
    from flows.analyse import analyse_corpus

    parameters = {"corpus": str(Path(corpus).resolve())}
    if codebook:
        parameters["codebook"] = str(Path(codebook).resolve())
    if config:
        parameters["config"] = str(Path(config).resolve())
    if dask_address:
        parameters["dask_address"] = dask_address
    if database_url:
        parameters["database_url"] = database_url
    flow = analyse_corpus.from_source(source=str(REPO), entrypoint=ENTRYPOINT)
    deployment_id = flow.deploy(name=name, work_pool_name=pool, parameters=parameters, cron=cron,
                                build=False, push=False, print_next_steps=False,
                                description="Ingest, embed, topic-model and code a corpus folder (qualflow).")
    return str(deployment_id)
