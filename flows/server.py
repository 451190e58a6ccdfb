"""A real Prefect stack on one machine: PostgreSQL, ``prefect server start``, a process work pool and a worker.

``qualflow server start`` runs this in the foreground until Ctrl-C. Each piece is the
ordinary tool, started with the ordinary command, so a team can later move them apart:
PostgreSQL on a database host, the Prefect server on a small VM everyone's browser reaches,
workers on the machines that hold the transcripts (see README, "Scheduled runs").
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from pipeline.errors import QualflowError
from pipeline.store.local_postgres import LocalPostgres, free_port

POOL = "qualflow"


def prefect_env(api_url: str | None = None, database_url: str | None = None) -> dict[str, str]:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    if api_url:
        env["PREFECT_API_URL"] = api_url
    if database_url:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = database_url
    return env


def prefect(*args: str, api_url: str) -> str:
    """Run a ``prefect`` CLI command against ``api_url``; return its output or raise naming it."""
    done = subprocess.run([sys.executable, "-m", "prefect", *args], env=prefect_env(api_url),
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise QualflowError(f"prefect {' '.join(args)} failed: {(done.stderr or done.stdout).strip()[-800:]}")
    return done.stdout


def wait_for_api(api_url: str, timeout: float = 120, process: subprocess.Popen | None = None) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise QualflowError(f"the Prefect server exited with code {process.returncode} (see its log)")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise QualflowError(f"the Prefect API at {api_url} did not answer within {timeout:.0f} s")


@contextmanager
def api_for_run(startup_timeout: int = 120) -> Iterator[str]:
    """The Prefect API a run reports to: ``PREFECT_API_URL`` when set, else a temporary server the run owns.

    Left to itself, Prefect starts a temporary server in each process that needs an API and
    has none: the run's, and every Dask worker that runs one of its tasks (the settings a task
    carries to the worker name no server). All of them used the one database in PREFECT_HOME,
    so a run on Dask, or two runs at once, had several servers on one SQLite file; and a
    worker's server outlived the worker when the cluster was killed. Here the run starts one
    server, on a database in a folder of its own, and names it in the settings, which travel
    with every task; the server stops when the ``with`` block ends, whatever ends it (the
    caller turns SIGTERM into an exception). Only SIGKILL of the run can leave it behind.
    """
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION,
        PREFECT_SERVER_DATABASE_CONNECTION_URL,
        temporary_settings,
    )

    if PREFECT_API_URL.value():
        yield PREFECT_API_URL.value()
        return
    from prefect.server.api.server import SubprocessASGIServer

    folder = Path(tempfile.mkdtemp(prefix="qualflow-prefect-"))
    # The default instance (no port): Prefect code that looks for "the" temporary server finds
    # this one instead of starting another; it also picks another port if this one is taken.
    server = SubprocessASGIServer()
    try:
        with temporary_settings({PREFECT_SERVER_DATABASE_CONNECTION_URL: f"sqlite+aiosqlite:///{folder / 'prefect.db'}",
                                 # a throwaway database: remembering that its blocks are registered only
                                 # rewrites the memo file in PREFECT_HOME, which other runs share
                                 PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION: False}):
            server.start(timeout=startup_timeout)  # a busy machine can take a minute; Prefect's default is 20 s
            with temporary_settings({PREFECT_API_URL: server.api_url}):
                yield server.api_url
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def raise_on_sigterm() -> None:
    """Make SIGTERM raise ``SystemExit(143)`` in the main thread, so ``finally`` blocks and context
    managers (the run's temporary Prefect server) clean up; by default Python dies at once."""
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))


@dataclass
class LocalStack:
    """PostgreSQL + Prefect server + work pool + one process worker, under ``folder``."""

    folder: Path
    host: str = "127.0.0.1"
    port: int = 4200
    pool: str = POOL
    postgres: LocalPostgres | None = None
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}/api"

    def start(self) -> "LocalStack":
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self.postgres = LocalPostgres(self.folder / "postgres")
            self.postgres.init()
            self.postgres.start()
            database = self.postgres.create_database("prefect").replace("+psycopg", "+asyncpg")
            log = open(self.folder / "prefect-server.log", "ab")
            server = subprocess.Popen(
                [sys.executable, "-m", "prefect", "server", "start", "--host", self.host, "--port", str(self.port)],
                env=prefect_env(database_url=database), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
            self.processes.append(server)
            wait_for_api(self.api_url, process=server)
            pools = prefect("work-pool", "ls", api_url=self.api_url)
            if self.pool not in pools:
                prefect("work-pool", "create", self.pool, "--type", "process", api_url=self.api_url)
            worker_log = open(self.folder / "prefect-worker.log", "ab")
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "prefect", "worker", "start", "--pool", self.pool, "--type", "process"],
                env=prefect_env(self.api_url), stdout=worker_log, stderr=subprocess.STDOUT, start_new_session=True))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self.processes.clear()
        if self.postgres is not None:
            try:
                self.postgres.stop()
            except QualflowError:
                pass
            self.postgres = None

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @classmethod
    def on_free_port(cls, folder: Path, pool: str = POOL) -> "LocalStack":
        return cls(folder=folder, port=free_port(), pool=pool)
