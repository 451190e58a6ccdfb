"""Accounts: users change their own password, admins reset and deactivate, all audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from pipeline.store import models as m
from tests.app import world

NEW = "a brand new passphrase"


def _audit(store, action):
    with store.session() as s:
        return [(a.user_id, a.object_id, a.details) for a in
                s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == action))]


def test_a_user_changes_their_own_password_and_other_sessions_end(client_for, store, users):
    coder, elsewhere = client_for("coder"), client_for("coder")
    change = lambda current, new, repeat=None: coder.post(
        "/account/password", {"current": current, "password": new, "repeat": repeat or new}, json=True)
    assert "Change your password" in coder.get("/account").text
    assert change("not my password", NEW).status_code == 400
    assert change(world.PASSWORD, "short").status_code == 400
    assert change(world.PASSWORD, NEW, "a different passphrase").status_code == 400
    assert change(world.PASSWORD, NEW).status_code == 200
    assert coder.get("/queue").status_code == 200  # this session goes on
    assert elsewhere.get("/queue").status_code == 303  # the other one ended
    anon = client_for(None).client
    assert world.login(anon, "ana").status_code == 401
    assert world.login(anon, "ana", NEW).status_code == 303
    [(by, target, details)] = _audit(store, "password_change")
    assert (by, target) == (users["coder"], str(users["coder"])) and NEW not in str(details)


def test_after_an_admin_reset_the_user_must_choose_a_new_password_first(client_for, store, users):
    admin, coder = client_for("admin"), client_for("coder")
    assert admin.post(f"/admin/users/{users['coder']}/password", {"password": "short"}, json=True).status_code == 400
    assert admin.post(f"/admin/users/{users['coder']}/password", {"password": "temporary pass 1"}).status_code == 303
    assert coder.get("/queue").status_code == 303  # the reset ended her sessions
    [(by, target, details)] = _audit(store, "password_reset")
    assert (by, target, details) == (users["admin"], str(users["coder"]), {"username": "ana"})

    client = TestClient(coder.client.app)
    signed_in = world.login(client, "ana", "temporary pass 1")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/account"
    ana = world.Signed(client, world.csrf_of(client), users["coder"])
    assert ana.get("/queue").headers["location"] == "/account"
    assert "An admin reset your password" in ana.get("/account").text
    sid = world.suggestion_ids(store)[(0, "funding_calls")]
    refused = ana.post(f"/suggestions/{sid}/decision", {"action": "accept", "version": "1"}, json=True)
    assert refused.status_code == 403 and "reset" in refused.json()["error"]
    assert ana.post("/account/password", {"current": "temporary pass 1", "password": NEW, "repeat": NEW},
                    json=True).status_code == 200
    assert ana.get("/queue").status_code == 200
    assert ana.post(f"/suggestions/{sid}/decision", {"action": "accept", "version": "1"}, json=True).status_code == 200


def test_deactivating_is_audited_and_only_admins_reset(client_for, store, users):
    admin, coder = client_for("admin"), client_for("coder")
    assert coder.post(f"/admin/users/{users['coder2']}/password", {"password": "temporary pass 1"}).status_code == 403
    assert admin.post(f"/admin/users/{users['coder2']}/active", {"active": "0"}).status_code == 303
    assert _audit(store, "user_deactivate") == [(users["admin"], str(users["coder2"]), {"username": "ben"})]
    assert admin.post("/admin/users/9999/password", {"password": "temporary pass 1"}, json=True).status_code == 400


def test_users_passwd_resets_from_the_command_line(store, users, tmp_path):
    from typer.testing import CliRunner

    from app import auth
    from qualflow_cli.main import app as cli

    runner = CliRunner()
    result = runner.invoke(cli, ["users", "passwd", "vera", "--database", store.url], input="from the shell 1\n")
    assert result.exit_code == 0, result.output
    assert "from the shell 1" not in result.output and "vera" in result.output
    assert auth.authenticate(store, "vera", "from the shell 1", "127.0.0.1") == users["validator"]
    with store.session() as s:
        assert s.get(m.User, users["validator"]).must_change_password
    assert _audit(store, "password_reset") == [(None, str(users["validator"]), {"username": "vera"})]
    unknown = runner.invoke(cli, ["users", "passwd", "nobody", "--database", store.url], input="from the shell 1\n")
    assert unknown.exit_code != 0 and "There is no user 'nobody'" in str(unknown.exception)
