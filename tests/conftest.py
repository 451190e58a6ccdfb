"""Session-wide test setup: offline model loading, telemetry off, real-data locations."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# The hashing embedder (``[embed] runtime = "hashing"``) is refused outside the tests; here it is
# allowed, in this process and in the processes it starts (CLI runs, Dask workers).
os.environ["QUALFLOW_TEST_EMBEDDERS"] = "1"

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "corpora" / "demo"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real third-party data beside the repository; skip when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not present at {SHARED_DATA} (only on development machines and CI)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A real PostgreSQL server in a temp dir on a free loopback port, for the whole session."""
    from pipeline.store.local_postgres import find_bindir, throwaway_postgres

    if find_bindir() is None:
        pytest.skip("PostgreSQL server binaries not installed (Debian: apt-get install postgresql)")
    with throwaway_postgres() as server:
        yield server.url()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'qualflow.db'}"
    import uuid

    from sqlalchemy import create_engine, text

    server = request.getfixturevalue("postgres_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"
