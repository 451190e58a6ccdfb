"""A PostgreSQL server in a folder on this machine, on a loopback port.

Used by ``qualflow server start`` (a persistent server for the Prefect API and the store),
by the test suite and by the benchmarks (throwaway servers). It runs Debian's PostgreSQL
binaries; when we are root, they run as the ``postgres`` user, as PostgreSQL refuses root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from pipeline.errors import QualflowError


def find_bindir() -> Path | None:
    """The folder with ``initdb`` and ``pg_ctl`` (``pg_config --bindir``, else Debian's layout)."""
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        if out:
            candidates.append(Path(out))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return next((c for c in candidates if (c / "pg_ctl").exists() and (c / "initdb").exists()), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalPostgres:
    """``initdb`` once into ``folder/data``, then ``start``/``stop`` on ``port`` (loopback only)."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.bindir = find_bindir()
        if self.bindir is None:
            raise QualflowError("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
        self.folder = Path(folder).resolve()
        self.data = self.folder / "data"
        self.port = port or free_port()

    def _run(self, *cmd: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *cmd], capture_output=True, text=True)
        if done.returncode != 0:
            raise QualflowError(f"{Path(cmd[0]).name} failed: {(done.stderr or done.stdout).strip()[-500:]}")

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            reachable = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(self.folder)])
            if reachable.returncode != 0:
                raise QualflowError(f"the postgres user cannot reach {self.folder}: every folder above it must be "
                                    "searchable by others (chmod o+x), or choose another folder")
        if not (self.data / "PG_VERSION").exists():
            self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")

    def start(self, *, durable: bool = True) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        if not durable:  # throwaway servers for tests and benchmarks
            options += " -c fsync=off -c synchronous_commit=off"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                  str(self.folder / "postgres.log"), "-w", "start")

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres", driver: str = "psycopg") -> str:
        return f"postgresql+{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create ``name`` if it does not exist; return its psycopg URL."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        deadline = time.monotonic() + 30
        while True:
            try:
                with engine.connect() as c:
                    if not c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                        c.execute(text(f'CREATE DATABASE "{name}"'))
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        engine.dispose()
        return self.url(name)


@contextmanager
def throwaway_postgres(*, durable: bool = False) -> Iterator[LocalPostgres]:
    """A fresh server in a temp folder (outside pytest's private temp root), removed afterwards.

    Tests want speed (fsync off); benchmarks want honest figures (``durable=True``).
    """
    folder = Path(tempfile.mkdtemp(prefix="qualflow-pg-"))
    server = LocalPostgres(folder)
    try:
        server.init()
        server.start(durable=durable)
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
