"""The sign-in limits hold against changing addresses, simultaneous attempts and unknown names."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select, update

from app import auth
from app.errors import TooManyAttempts
from pipeline.store import models as m
from pipeline.store.db import Store
from tests.app import world


def _attempt(store, username, password, ip, limit=auth.RateLimit()):
    try:
        return auth.authenticate(store, username, password, ip, limit)
    except TooManyAttempts:
        return 429


def test_one_username_is_limited_whatever_the_address(store, users):
    limit = auth.RateLimit(failures=5, per_username=8)
    results = [_attempt(store, "ana", "wrong password!", f"10.0.0.{i}", limit) for i in range(10)]
    assert results == [None] * 8 + [429, 429]
    assert _attempt(store, "ana", world.PASSWORD, "10.0.1.1", limit) == 429  # even the right password
    assert _attempt(store, "ben", world.PASSWORD, "10.0.1.1", limit) == users["coder2"]


def test_simultaneous_wrong_passwords_cannot_all_slip_under_the_limit(store_url, monkeypatch):
    store = Store(store_url)
    world.seed(store)
    n = 15
    barrier = threading.Barrier(n)

    def one(_):
        barrier.wait()
        return _attempt(store, "ana", "wrong password!", "192.0.2.7")

    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(one, range(n)))
    assert results.count(None) == 5 and results.count(429) == n - 5
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(m.LoginFailure)) == 5  # refused attempts are not kept
    store.dispose()


def test_one_address_is_limited_across_unknown_usernames_and_old_rows_are_purged(store, users):
    limit = auth.RateLimit(failures=5, per_address=6)
    results = [_attempt(store, f"nobody{i}", "guess guess guess", "198.51.100.9", limit) for i in range(8)]
    assert results == [None] * 6 + [429, 429]
    assert _attempt(store, "ana", world.PASSWORD, "198.51.100.10", limit) == users["coder"]
    with store.transaction() as s:  # the window passes: the next attempt clears the old rows
        s.execute(update(m.LoginFailure).values(at=auth.now() - timedelta(minutes=6)))
    assert _attempt(store, "nobody", "guess guess guess", "198.51.100.9", limit) is None
    with store.session() as s:
        assert s.scalars(select(m.LoginFailure.username)).all() == ["nobody"]


# -- the address behind a proxy ---------------------------------------------------------------


def _serve(application, **options):
    """The app under real uvicorn with ``qualflow serve``'s settings; its base URL and server."""
    import socket

    import uvicorn

    from app.cli import server_config

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(server_config(application, "127.0.0.1", port, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    return f"http://127.0.0.1:{port}", server


def _failures_with_spoofed_addresses(base: str, count: int) -> list[int]:
    import httpx

    statuses = []
    with httpx.Client(base_url=base) as client:
        for i in range(count):
            token = world.CSRF_INPUT.search(client.get("/login").text).group(1)
            statuses.append(client.post("/login", data={"username": "ana", "password": "wrong password!",
                                                         "csrf_token": token},
                                        headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code)
    return statuses


def test_a_forwarded_for_header_is_ignored_unless_proxy_headers_are_on(store, users):
    from app.main import create_app

    base, server = _serve(create_app(store=store))
    try:
        assert _failures_with_spoofed_addresses(base, 6) == [401] * 5 + [429]
    finally:
        server.should_exit = True
    with store.session() as s:
        assert set(s.scalars(select(m.LoginFailure.ip))) == {"127.0.0.1"}


def test_behind_a_trusted_proxy_the_forwarded_address_counts(store, users):
    from app.main import create_app

    base, server = _serve(create_app(store=store), proxy_headers=True, forwarded_allow_ips="127.0.0.1")
    try:
        assert _failures_with_spoofed_addresses(base, 6) == [401] * 6  # six addresses, under the per-user limit
    finally:
        server.should_exit = True
    with store.session() as s:
        assert len(set(s.scalars(select(m.LoginFailure.ip)))) == 6
