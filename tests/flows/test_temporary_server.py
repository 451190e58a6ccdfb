"""A run without ``PREFECT_API_URL`` starts one temporary Prefect server and leaves none behind.

The runs are subprocesses of the real CLI with their own ``PREFECT_HOME``, so every Prefect
server they (or the Dask workers running their tasks) start can be found by that variable,
whichever process started it. They use the hashing embedder.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import DEMO, REPO

pytestmark = pytest.mark.slow

FILES = ["BO-01_associazione.txt", "BU-02_onkormanyzat.txt", "EN-01_expat_parent.txt", "KO-02_stad.docx"]


def prefect_servers(home: Path) -> list[psutil.Process]:
    """Prefect API servers alive on this machine whose PREFECT_HOME is ``home``."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            if "prefect.server" in " ".join(process.info["cmdline"] or []) \
                    and process.environ().get("PREFECT_HOME") == str(home):
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return found


@pytest.fixture
def setup(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in FILES:
        shutil.copy(DEMO / name, corpus / name)
    config = tmp_path / "run.toml"
    config.write_text(f'[embed]\nruntime = "hashing"\ntask_batch = 10\n[output]\ndir = "{tmp_path / "outputs"}"\n',
                      encoding="utf-8")
    home = tmp_path / "prefect-home"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(home), QUALFLOW_DATABASE_URL=f"sqlite:///{tmp_path / 'store.db'}",
               PYTHONPATH=str(REPO))
    yield corpus, config, env, home
    for server in prefect_servers(home):  # a failed test must not leave them either
        server.kill()


def start_run(corpus, config, env, *extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "qualflow_cli", "run", str(corpus), "--config", str(config),
                             "--run-id", "run", *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(run: subprocess.Popen) -> str:
    _, stderr = run.communicate(timeout=600)
    return f"the run exited {run.returncode}; its stderr:\n{stderr}"


def test_a_run_whose_dask_cluster_is_killed_leaves_no_prefect_server_behind(setup):
    from distributed import Client

    corpus, config, env, home = setup
    cluster = subprocess.Popen(
        [sys.executable, "-c", "from distributed import LocalCluster; import time\n"
         "c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host='127.0.0.1', dashboard_address=None)\n"
         "print(c.scheduler_address, flush=True); time.sleep(3600)"],
        env=env, stdout=subprocess.PIPE, text=True)
    try:
        address = cluster.stdout.readline().strip()
        run = start_run(corpus, config, env, "--dask-address", address)
        with Client(address, timeout=60) as client:  # wait until the workers have run some of the run's tasks
            while run.poll() is None and not sum(client.run(lambda dask_worker: dask_worker.state.executed_count).values()):
                time.sleep(0.5)
        assert run.poll() is None, finish(run)
        assert prefect_servers(home), "the run reports to a Prefect server of its own"
        # killed as an OOM killer or `kill -9` would: the cluster's processes, not whatever they started
        for process in [psutil.Process(cluster.pid), *psutil.Process(cluster.pid).children()]:
            process.kill()
        report = finish(run)
        assert run.returncode != 0, report
    finally:
        if cluster.poll() is None:
            cluster.kill()
        cluster.wait()
    assert prefect_servers(home) == [], report


def test_a_run_stopped_with_sigterm_leaves_no_prefect_server_behind(setup):
    corpus, config, env, home = setup
    run = start_run(corpus, config, {**env, "QUALFLOW_KILL_AT": "embedded", "QUALFLOW_KILL_SIGNAL": "TERM"})
    report = finish(run)
    assert run.returncode == 128 + signal.SIGTERM, report
    assert prefect_servers(home) == [], report
