"""The append-only audit log and its CSV export."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from app.auth import add_user
from pipeline.store import models as m
from tests.app import world


def test_every_decision_memo_and_sign_off_is_in_the_csv(client_for, store):
    coder, validator, admin = client_for("coder"), client_for("validator"), client_for("admin")
    sid = world.suggestion_ids(store)[(0, "funding_calls")]
    coder.post(f"/suggestions/{sid}/decision", {"action": "accept", "version": 1})
    coder.post("/queue/undo")
    coder.post(f"/excerpts/{world.excerpts()[0].id}/memos", {"text": "=HYPERLINK(\"http://x\")"})
    page = validator.get("/cities/Bologna").text
    sha = re.search(r'name="content_sha256" value="([0-9a-f]{64})"', page).group(1)
    validator.post("/cities/Bologna/signoff", {"comment": "ok", "content_sha256": sha})

    response = admin.get("/admin/audit.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert list(rows[0]) == ["id", "at", "user", "action", "object_type", "object_id", "details"]
    actions = [(r["user"], r["action"]) for r in rows]
    for expected in [("ana", "decision_accept"), ("ana", "decision_undo"), ("ana", "memo"), ("vera", "signoff")]:
        assert expected in actions
    memo = next(r for r in rows if r["action"] == "memo")
    assert "HYPERLINK" in memo["details"]
    assert [int(r["id"]) for r in rows] == sorted(int(r["id"]) for r in rows)
    assert all(r["at"].endswith("+00:00") for r in rows)


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(client_for, store):
    add_user(store, "=SUM(A1)", "coder", world.PASSWORD)
    assert world.login(client_for(None).client, "=SUM(A1)").status_code == 303  # a row with them as its user
    text = client_for("admin").get("/admin/audit.csv").text
    assert "'=SUM(A1)" in text and ",=SUM(A1)" not in text


def test_audit_rows_and_decisions_are_never_rewritten(client_for, store):
    coder = client_for("coder")
    sid = world.suggestion_ids(store)[(1, "trust")]
    coder.post(f"/suggestions/{sid}/decision", {"action": "accept", "version": 1})
    with store.session() as s:
        before = [(a.id, a.action, dict(a.details)) for a in s.scalars(select(m.AuditEntry))]
        decision = s.scalars(select(m.Decision)).one()
        snapshot = (decision.id, decision.action, list(decision.codes), decision.created_at)
    coder.post("/queue/undo")
    with store.session() as s:
        after = [(a.id, a.action, dict(a.details)) for a in s.scalars(select(m.AuditEntry))]
        again = s.get(m.Decision, snapshot[0])
        assert (again.id, again.action, list(again.codes), again.created_at) == snapshot
    assert after[:len(before)] == before and len(after) == len(before) + 1


def test_audit_page_is_for_admins(client_for):
    assert client_for("admin").get("/admin/audit").status_code == 200
    assert client_for("validator").get("/admin/audit.csv").status_code == 403
