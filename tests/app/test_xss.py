"""Transcript text, memos, names and narratives are user data: they render as text, never as markup."""

from __future__ import annotations

from sqlalchemy import select

from pipeline.store import models as m
from tests.app import world

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _safe(html: str) -> None:
    assert world.XSS not in html
    assert ESCAPED in html


def test_script_in_user_data_renders_as_text_everywhere(client_for, store):
    coder, validator, admin = client_for("coder"), client_for("validator"), client_for("admin")
    sids = world.suggestion_ids(store)
    excerpt = world.excerpts()[3]  # carries <script>alert(1)</script> from the transcript itself
    assert world.XSS in excerpt.text
    _safe(coder.get("/queue?role=local_government").text)
    _safe(coder.get(f"/transcripts/BO-02?excerpt={excerpt.id}").text)

    coder.post(f"/excerpts/{excerpt.id}/memos", {"text": world.XSS})
    _safe(coder.get("/queue?role=local_government").text)
    coder.post("/themes/1/name", {"name": world.XSS})
    _safe(coder.get("/themes").text)
    coder.post("/themes/1/code", {})
    coder.post(f"/suggestions/{sids[(3, 'digital_divide')]}/decision", {"action": "accept", "version": 1})

    validator.post("/cities/Bologna/narrative", {"text": world.XSS})
    page = validator.get("/cities/Bologna").text
    _safe(page)
    _safe(validator.get("/cities/Bologna/evidence?code=digital_divide").text)
    import re

    sha = re.search(r'name="content_sha256" value="([0-9a-f]{64})"', page).group(1)
    validator.post("/cities/Bologna/signoff", {"comment": world.XSS, "content_sha256": sha})
    with store.session() as s:
        [row] = s.scalars(select(m.SignOff)).all()
    _safe(validator.get(f"/cities/Bologna/signoffs/{row.id}").text)
    _safe(validator.get(f"/cities/Bologna/signoffs/{row.id}/export.html").text)
    _safe(admin.get("/admin/codebook").text)
    audit = admin.get("/admin/audit").text
    assert world.XSS not in audit and "\\u003cscript\\u003e" in audit  # tojson escapes < and >


def test_user_text_in_an_error_message_is_escaped(client_for):
    response = client_for("validator").get("/cities/Bologna/evidence", params={"code": world.XSS})
    assert response.status_code == 404
    _safe(response.text)


def test_csrf_token_and_chart_labels_cannot_break_out_of_attributes(client_for):
    page = client_for("validator").get("/cities/Bologna").text
    assert '"><' not in page.split('<meta name="csrf-token"')[1].split(">")[0]
