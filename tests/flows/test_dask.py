"""The flow on a real dask.distributed cluster (2 worker processes on loopback) gives the local results."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import DEMO

pytestmark = pytest.mark.slow


def run(tmp: Path, name: str, **kwargs) -> list[dict]:
    from flows.analyse import analyse_corpus

    config = tmp / f"{name}.toml"  # separate outputs and caches: nothing is reused between the two runs
    config.write_text(f'[embed]\nruntime = "hashing"\ntask_batch = 40\n[mapping]\ntask_batch = 50\n'
                      f'[output]\ndir = "{tmp / name}"\n', encoding="utf-8")
    result = analyse_corpus(str(DEMO), config=str(config), database_url=f"sqlite:///{tmp / name}.db", run_id=name,
                            **kwargs)
    return list(csv.DictReader(open(Path(result["output_dir"]) / "coded_excerpts.csv", encoding="utf-8")))


def test_dask_cluster_run_matches_the_local_run(prefect_server, tmp_path):
    from distributed import Client, LocalCluster

    local = run(tmp_path, "local")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        on_dask = run(tmp_path, "dask", dask_address=cluster.scheduler_address)
        # the work really ran on the workers: each of them executed tasks
        executed = client.run(lambda dask_worker: len(dask_worker.data) + dask_worker.state.executed_count)
        assert len(executed) == 2 and all(n > 0 for n in executed.values())
    key = lambda rows: [(r["excerpt_id"], r["suggested_codes"], r["topic"], r["confidence"]) for r in rows]
    assert len(local) > 200 and key(local) == key(on_dask)
