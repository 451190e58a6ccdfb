"""Fixtures for the review app: a seeded store, the app, signed-in clients per role."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from tests.app import world


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "browser: drives the app in headless Debian chromium (skipped without one)")


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """argon2 at its minimum cost: the tests sign in dozens of times; production keeps the defaults."""
    import app.auth

    monkeypatch.setattr(app.auth, "hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    monkeypatch.setattr(app.auth, "_DUMMY_HASH", None)


@pytest.fixture
def store(tmp_path):
    from pipeline.store.db import Store

    s = Store(f"sqlite:///{tmp_path / 'review.db'}")
    yield s
    s.dispose()


@pytest.fixture
def users(store) -> dict[str, int]:
    return world.seed(store)


@pytest.fixture
def application(store, users):
    from app.main import create_app

    return create_app(store=store)


@pytest.fixture
def client_for(application, users):
    """``client_for("coder")`` → a ``world.Signed`` client, or an anonymous one for ``None``."""
    from fastapi.testclient import TestClient

    made = []

    def make(role: str | None):
        client = TestClient(application)
        made.append(client)
        if role is None:
            return world.Signed(client, "", 0)
        response = world.login(client, world.USERS[role])
        assert response.status_code == 303, response.text
        return world.Signed(client, world.csrf_of(client), users[role])

    yield make
    for c in made:
        c.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # lets a fixture know, at teardown, whether its test failed (for screenshots)
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)
