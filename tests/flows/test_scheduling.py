"""Scheduled runs for real: PostgreSQL + Prefect server + process worker on loopback, a deployment, a run."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest

from pipeline.store.local_postgres import find_bindir
from tests.conftest import DEMO

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(find_bindir() is None, reason="PostgreSQL server binaries not installed")]


def test_deployment_runs_on_a_real_prefect_server_with_postgres(tmp_path, monkeypatch):
    from flows.deploy import deploy
    from flows.server import LocalStack, prefect_env

    monkeypatch.setenv("PREFECT_WORKER_QUERY_SECONDS", "2")  # the worker polls every 10 s by default
    config = tmp_path / "nightly.toml"
    config.write_text(f'[embed]\nruntime = "hashing"\n[output]\ndir = "{tmp_path / "outputs"}"\n', encoding="utf-8")
    import shutil
    import tempfile
    from pathlib import Path

    # PostgreSQL runs as the postgres user, which cannot enter pytest's private temp root
    folder = Path(tempfile.mkdtemp(prefix="qualflow-stack-"))
    folder.chmod(0o755)
    with LocalStack.on_free_port(folder) as stack:
        started = list(stack.processes)
        api = stack.api_url
        monkeypatch.setenv("PREFECT_API_URL", api)
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: api}):
            deploy(DEMO, name="nightly", config=config, cron="0 2 * * *",
                   database_url=f"sqlite:///{tmp_path / 'store.db'}")
        deployments = httpx.post(f"{api}/deployments/filter", json={}).json()
        (nightly,) = [d for d in deployments if d["name"] == "nightly"]
        assert nightly["parameters"]["corpus"] == str(DEMO.resolve())
        assert any(s["schedule"].get("cron") == "0 2 * * *" for s in nightly["schedules"])

        triggered = subprocess.run([sys.executable, "-m", "prefect", "deployment", "run", "analyse_corpus/nightly"],
                                   env=prefect_env(api), capture_output=True, text=True, timeout=120)
        assert triggered.returncode == 0, triggered.stderr
        deadline, run = time.monotonic() + 300, None
        while time.monotonic() < deadline:
            runs = httpx.post(f"{api}/flow_runs/filter", json={"deployments": {"id": {"any_": [nightly["id"]]}}}).json()
            # the cron schedule adds runs in state SCHEDULED for 02:00; ours is the one that finishes
            run = next((r for r in runs if r["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")), None)
            if run:
                break
            time.sleep(2)
        logs = (folder / "prefect-worker.log").read_text(errors="replace")[-3000:]
        assert run is not None and run["state_type"] == "COMPLETED", logs
        assert run["parameters"]["config"] == str(config.resolve())

        (out,) = [p for p in (tmp_path / "outputs").iterdir() if not p.name.startswith(".")]
        summary = json.loads((out / "run.json").read_text(encoding="utf-8"))
        assert summary["counts"]["sources"] == {"interview": 15, "survey": 53, "document": 8}
        assert summary["quarantined"] == []
        artifacts = httpx.post(f"{api}/artifacts/filter", json={"artifacts": {"key": {"any_": ["qualflow-run-summary"]}}}).json()
        assert artifacts and "Bologna" in artifacts[0]["data"] and "Quarantined files" in artifacts[0]["data"]
    assert len(started) == 2 and all(p.poll() is not None for p in started) and stack.postgres is None
    shutil.rmtree(folder, ignore_errors=True)
