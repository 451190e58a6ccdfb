"""``qualflow serve --workers N``: several processes on one PostgreSQL store, for real.

The server runs as a subprocess exactly as a user starts it; coders post decisions from
several threads at once. Which process answered is read from ``/healthz`` on the same
connection right after each decision (a keep-alive connection stays with the process that
accepted it), and checked against the server's child processes.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from app.main import WORKER_HEADER
from benchmarks.app_load import CSRF, ITEM, META, PASSWORD, VERSION, seed
from pipeline.store.local_postgres import free_port

REPO = Path(__file__).resolve().parents[2]
CODERS = 4


def qualflow(*args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "qualflow_cli", *args], cwd=REPO, env=env, **kwargs)


@pytest.fixture
def database(postgres_url) -> str:
    """A fresh PostgreSQL database with a synthetic run and ``CODERS`` coders."""
    from sqlalchemy import create_engine, text

    name = f"w_{uuid.uuid4().hex[:12]}"
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    seed(url, CODERS, interviews=16)
    return url


@pytest.fixture
def two_workers(database):
    """``qualflow serve --workers 2`` on ``database``: its base URL, process and workers' pids."""
    import httpx
    import psutil

    port = free_port()
    proc = qualflow("serve", "--workers", "2", "--port", str(port), "--database", database,
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        # ready when both workers have answered: fresh connections until two pids were seen
        seen: set[int] = set()
        deadline = time.monotonic() + 120
        while len(seen) < 2:
            if proc.poll() is not None:
                pytest.fail("qualflow serve --workers 2 exited: " + proc.stderr.read().decode())
            if time.monotonic() > deadline:
                pytest.fail(f"two workers did not answer within 120 s (seen: {seen})")
            try:
                seen.add(int(httpx.get(base + "/healthz", timeout=2).headers[WORKER_HEADER]))
            except httpx.HTTPError:
                time.sleep(0.2)
        children = {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
        assert seen <= children, (seen, children)
        yield base, proc, seen
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)  # the group this test started (start_new_session)
            proc.wait()


def sign_in(client, name: str) -> str:
    """Sign ``name`` in on ``client``; the session's CSRF token."""
    page = client.get("/login")
    reply = client.post("/login", data={"username": name, "password": PASSWORD,
                                        "csrf_token": CSRF.search(page.text).group(1)})
    assert reply.status_code == 303, reply.text[:300]
    return META.search(client.get("/queue").text).group(1)


class Coder(threading.Thread):
    """Signs in, reads one page of the queue, then decides every item on it, each decision on a
    new connection followed by ``/healthz`` on that same connection."""

    def __init__(self, base: str, n: int, start: threading.Barrier) -> None:
        super().__init__(daemon=True)
        self.base, self.name_, self.n, self.start_line = base, f"coder{n:02d}", n, start
        self.decided: list[tuple[int, int]] = []  # (decision id, pid of the worker that saved it)
        self.conflicts = 0
        self.errors: list[str] = []

    def run(self) -> None:
        import httpx

        rng = random.Random(self.n)
        try:
            with httpx.Client(base_url=self.base, timeout=60) as c:
                csrf = sign_in(c, self.name_)
                page = c.get(f"/queue?offset={self.n * 20}").text
                cookies = dict(c.cookies)
            items = []
            for block in page.split('<li class="item')[1:]:
                m1, m2 = ITEM.search('<li class="item' + block), VERSION.search(block)
                if m1 and m2:
                    items.append((int(m1.group(1)), int(m2.group(1))))
            self.start_line.wait()
            for sid, version in items:
                with httpx.Client(base_url=self.base, timeout=60, cookies=cookies) as c:
                    r = c.post(f"/suggestions/{sid}/decision", data={
                        "action": rng.choice(["accept", "reject"]), "version": str(version)},
                        headers={"X-CSRF-Token": csrf, "Accept": "application/json"})
                    pid = int(c.get("/healthz").headers[WORKER_HEADER])
                if r.status_code == 200:
                    self.decided.append((r.json()["decision"], pid))
                elif r.status_code == 409:  # a sibling suggestion on another coder's page was decided
                    self.conflicts += 1
                else:
                    self.errors.append(f"{r.status_code} {r.text[:200]}")
        except Exception as exc:  # reported by the test, not lost in a thread
            self.errors.append(repr(exc))


def test_two_workers_share_the_decisions_and_lose_none(two_workers, database):
    from sqlalchemy import func, select

    from pipeline.store import models as m
    from pipeline.store.db import Store

    base, proc, workers = two_workers
    start = threading.Barrier(CODERS)
    coders = [Coder(base, n, start) for n in range(CODERS)]
    for c in coders:
        c.start()
    for c in coders:
        c.join(300)
    assert not any(c.is_alive() for c in coders)
    assert [e for c in coders for e in c.errors] == []
    decided = [d for c in coders for d in c.decided]
    assert len(decided) >= 20, f"too few decisions saved to test anything ({len(decided)})"
    assert {pid for _, pid in decided} == workers, "both worker processes saved decisions"

    store = Store(database, migrate=False)
    with store.session() as s:
        rows = list(s.execute(select(m.Decision.id, m.User.username).join(m.User, m.User.id == m.Decision.user_id)))
        audited = s.scalar(select(func.count()).select_from(m.AuditEntry)
                           .where(m.AuditEntry.action.like("decision_%")))
    store.dispose()
    ids = [d for d, _ in decided]
    assert len(ids) == len(set(ids)), "a decision id was answered twice"
    assert sorted(d for d, _ in rows) == sorted(ids), "every saved decision has its row, and no other row exists"
    owner = dict(rows)
    assert all(owner[d] == c.name_ for c in coders for d, _ in c.decided)
    assert audited == len(ids)


def test_zero_workers_is_refused_naming_the_option(tmp_path):
    done = qualflow("serve", "--workers", "0", "--database", f"sqlite:///{tmp_path / 'q.db'}",
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 2, (out, err)
    assert b"--workers" in err


def test_several_workers_on_sqlite_are_refused(tmp_path):
    done = qualflow("serve", "--workers", "2", "--database", f"sqlite:///{tmp_path / 'q.db'}",
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 2, (out, err)
    assert b"--workers" in err and b"PostgreSQL" in err


def test_each_worker_builds_its_app_from_what_serve_put_in_the_environment(tmp_path, monkeypatch):
    from app.main import from_environment, set_environment
    from pipeline.store.db import Store

    url = f"sqlite:///{tmp_path / 'q.db'}"
    for name in ("QUALFLOW_DATABASE_URL", "QUALFLOW_SECURE_COOKIES"):
        monkeypatch.setenv(name, "")  # so that monkeypatch restores what set_environment changes
        monkeypatch.delenv(name)
    with pytest.raises(RuntimeError, match="QUALFLOW_DATABASE_URL"):
        from_environment()
    Store(url).dispose()
    for secure in (True, False):
        set_environment(url, secure_cookies=secure)
        application = from_environment()
        assert application.state.store.url == url and application.state.secure_cookies is secure
        application.state.store.dispose()
