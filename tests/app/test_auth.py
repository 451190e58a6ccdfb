"""Signing in: passwords, sessions, CSRF, rate limiting, and the users command."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from app import auth
from app.main import create_app
from pipeline.store import models as m
from pipeline.store.db import Store
from tests.app import world


def test_a_fresh_store_has_no_accounts_and_nobody_gets_in(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'empty.db'}")
    with store.session() as s:
        assert s.scalars(select(m.User)).all() == []
    client = TestClient(create_app(store=store))
    for name, password in [("admin", "admin"), ("admin", ""), ("root", "password")]:
        assert world.login(client, name, password).status_code == 401
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_signing_in_sets_an_httponly_samesite_cookie_and_stores_only_its_hash(client_for, store, users):
    anon = client_for(None).client
    response = world.login(anon, "ana")
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(auth.SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    with store.session() as s:
        rows = s.scalars(select(m.WebSession)).all()
    assert [r.id for r in rows] == [auth.token_hash(token)]
    assert rows[0].user_id == users["coder"] and token not in {r.csrf_token for r in rows}


def test_passwords_are_argon2_hashes_and_never_logged_or_stored(store, users, client_for, caplog):
    caplog.set_level(logging.DEBUG)
    anon = client_for(None).client
    world.login(anon, "ana", "a wrong password 123")
    world.login(anon, "ana")
    with store.session() as s:
        hashes = s.scalars(select(m.User.password_hash)).all()
        dump = " ".join(str(row) for table in ("users", "audit_log", "login_failures", "web_sessions")
                        for row in s.execute(text(f"SELECT * FROM {table}")))
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert world.PASSWORD not in dump and "a wrong password 123" not in dump
    assert world.PASSWORD not in caplog.text and "a wrong password 123" not in caplog.text


def test_wrong_password_and_unknown_user_look_the_same(client_for):
    anon = client_for(None).client
    wrong = world.login(anon, "ana", "not the password")
    nobody = world.login(anon, "nobody", "not the password")
    assert wrong.status_code == nobody.status_code == 401
    assert "Wrong username or password." in wrong.text and "Wrong username or password." in nobody.text


def test_the_sign_in_form_needs_its_csrf_token(client_for):
    anon = client_for(None).client
    anon.get("/login")
    response = anon.post("/login", data={"username": "ana", "password": world.PASSWORD, "csrf_token": "forged"},
                         follow_redirects=False)
    assert response.status_code == 403
    fresh = TestClient(anon.app)  # no double-submit cookie at all
    response = fresh.post("/login", data={"username": "ana", "password": world.PASSWORD, "csrf_token": ""},
                          follow_redirects=False)
    assert response.status_code == 403


def test_every_write_needs_the_session_csrf_token(client_for, store):
    coder = client_for("coder")
    sid = world.suggestion_ids(store)[(1, "trust")]
    form = {"action": "accept", "version": "1"}
    assert coder.client.post(f"/suggestions/{sid}/decision", data=form, follow_redirects=False).status_code == 403
    assert coder.client.post(f"/suggestions/{sid}/decision", data={**form, "csrf_token": "x" * 43},
                             follow_redirects=False).status_code == 403
    assert coder.client.post(f"/suggestions/{sid}/decision", data=form,
                             headers={"X-CSRF-Token": "wrong"}).status_code == 403
    # another user's token is no good either
    other = client_for("coder2")
    assert coder.client.post(f"/suggestions/{sid}/decision", data={**form, "csrf_token": other.csrf},
                             follow_redirects=False).status_code == 403
    assert world.version_of(store, sid) == 1
    ok = coder.client.post(f"/suggestions/{sid}/decision", data=form,
                           headers={"X-CSRF-Token": coder.csrf, "Accept": "application/json"})
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"


def test_five_failures_per_username_and_address_then_429(client_for, store):
    anon = client_for(None).client
    for _ in range(5):
        assert world.login(anon, "ana", "wrong password!").status_code == 401
    blocked = world.login(anon, "ana")  # even the right password
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
    assert world.login(client_for(None).client, "ben").status_code == 303  # another username is not affected
    with store.transaction() as s:  # the window passes
        s.execute(update(m.LoginFailure).values(at=auth.now() - timedelta(minutes=6)))
    assert world.login(anon, "ana").status_code == 303


def test_rate_limit_is_configurable(store, users):
    client = TestClient(create_app(store=store, rate_limit=auth.RateLimit(2, timedelta(minutes=5))))
    world.login(client, "vera", "nope nope nope")
    world.login(client, "vera", "nope nope nope")
    assert world.login(client, "vera").status_code == 429


def test_signing_out_revokes_the_session_on_the_server(client_for):
    coder = client_for("coder")
    token = coder.client.cookies.get(auth.SESSION_COOKIE)
    assert coder.post("/logout").status_code == 303
    replay = TestClient(coder.client.app, cookies={auth.SESSION_COOKIE: token})
    assert replay.get("/queue", follow_redirects=False).status_code == 303


def test_deactivating_a_user_ends_their_sessions(client_for, users):
    coder = client_for("coder")
    admin = client_for("admin")
    assert admin.post(f"/admin/users/{users['coder']}/active", {"active": "0"}).status_code == 303
    assert coder.get("/queue").status_code == 303
    assert world.login(client_for(None).client, "ana").status_code == 401


def test_idle_and_expired_sessions_end(client_for, store):
    coder = client_for("coder")
    with store.transaction() as s:
        s.execute(update(m.WebSession).values(last_seen_at=auth.now() - auth.IDLE_TIMEOUT - timedelta(seconds=1)))
    assert coder.get("/queue").status_code == 303
    coder = client_for("coder")
    with store.transaction() as s:
        s.execute(update(m.WebSession).values(expires_at=auth.now() - timedelta(seconds=1)))
    assert coder.get("/queue").status_code == 303


def test_after_sign_in_only_local_pages_are_followed(client_for):
    anon = client_for(None).client
    assert world.login(anon, "vera", next_url="//evil.example/x").headers["location"] == "/cities"
    anon = client_for(None).client
    assert world.login(anon, "vera", next_url="/cities/Bologna").headers["location"] == "/cities/Bologna"


def test_session_cookie_is_secure_when_served_over_https(store, users):
    client = TestClient(create_app(store=store, secure_cookies=True), base_url="https://testserver")
    response = world.login(client, "ana")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(auth.SESSION_COOKIE + "="))
    assert "Secure" in cookie
    assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_no_hsts_when_served_in_clear(client_for):
    assert "strict-transport-security" not in client_for(None).client.get("/login").headers


# -- the users command ------------------------------------------------------------------------


def test_users_add_reads_the_password_from_stdin_and_never_prints_it(tmp_path):
    from typer.testing import CliRunner

    from qualflow_cli.main import app as cli

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "carla", "--role", "coder", "--database", url],
                          input="a secret passphrase\n")
    assert added.exit_code == 0, added.output
    assert "a secret passphrase" not in added.output
    listed = runner.invoke(cli, ["users", "list", "--database", url])
    assert listed.exit_code == 0 and "carla\tcoder\tactive" in listed.output
    store = Store(url)
    assert auth.authenticate(store, "carla", "a secret passphrase", "127.0.0.1") is not None
    bad = runner.invoke(cli, ["users", "add", "dora", "--role", "superuser", "--database", url], input="whatever12345\n")
    assert bad.exit_code != 0


def test_users_add_asks_twice_at_a_terminal():
    from app.cli import read_password
    from app.errors import BadRequest

    class Tty(io.StringIO):
        def isatty(self):
            return True

    answers = iter(["first try 123", "first try 123"])
    assert read_password(stdin=Tty(), prompt=lambda _: next(answers)) == "first try 123"
    answers = iter(["first try 123", "second try 456"])
    with pytest.raises(BadRequest):
        read_password(stdin=Tty(), prompt=lambda _: next(answers))


def test_short_passwords_and_duplicate_users_are_refused(store, users):
    from app.errors import BadRequest

    with pytest.raises(BadRequest):
        auth.add_user(store, "shorty", "coder", "short")
    with pytest.raises(BadRequest):
        auth.add_user(store, "ana", "coder", "long enough password")


def test_at_most_two_argon2_computations_run_at_once_per_process():
    """Each argon2 hash or verification holds 64 MB: 20 coders signing in together took a
    worker to 1,386 MB. The production hasher lets ``HASHING_SLOTS`` run at once."""
    import threading
    import time

    from argon2 import PasswordHasher

    class Counting(PasswordHasher):
        def __init__(self):
            super().__init__(time_cost=1, memory_cost=8, parallelism=1)
            self.now = self.most = 0
            self.lock = threading.Lock()

        def verify(self, digest, password):
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            time.sleep(0.05)
            with self.lock:
                self.now -= 1
            return super().verify(digest, password)

    def most_at_once(hasher) -> int:
        digest = hasher.hash("correct horse battery")
        threads = [threading.Thread(target=hasher.verify, args=(digest, "correct horse battery")) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return hasher.inner.most if isinstance(hasher, auth.BoundedHasher) else hasher.most

    assert most_at_once(Counting()) > auth.HASHING_SLOTS  # unbounded, the threads overlap
    assert most_at_once(auth.BoundedHasher(Counting())) == auth.HASHING_SLOTS
    bounded = auth.BoundedHasher(Counting())
    assert bounded.verify(bounded.hash("another long one"), "another long one")
