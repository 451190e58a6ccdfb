"""Validators: city summaries from accepted codes, sign-off, the lock, "changed since sign-off", exports."""

from __future__ import annotations

import hashlib
import json
import re

from sqlalchemy import func, select

from app import summaries
from pipeline.store import models as m
from tests.app import world




def _sign(validator, city="Bologna", comment="Looks right."):
    page = validator.get(f"/cities/{city}").text
    return validator.post(f"/cities/{city}/signoff", {"comment": comment, "content_sha256": world.signed_sha(page)})


def test_summary_counts_accepted_codes_only_with_click_through(client_for, store):
    validator, coder = client_for("validator"), client_for("coder")
    page = validator.get("/cities/Bologna").text
    assert "0 reviewed by coders" in page and "0% (0/4; 0/2 int.)" in page  # suggestions alone count for nothing
    world.accept(coder, store, (0, "funding_calls"))
    _decline = coder.post(f"/suggestions/{world.suggestion_ids(store)[(1, 'trust')]}/decision",
                          {"action": "reject", "version": 1}, json=True)
    page = validator.get("/cities/Bologna").text
    assert "2 reviewed by coders" in page
    assert "25% (1/4; 1/2 int.)" in page  # funding calls, all roles
    assert "<svg" in page and "<script" not in page.split("</head>")[1]  # inline chart, no script in the body
    link = re.search(r'href="(/cities/Bologna/evidence\?run=[^"]*code=funding_calls[^"]*)"', page).group(1)
    evidence = validator.get(link.replace("&amp;", "&")).text
    assert world.excerpts()[0].text in evidence and world.excerpts()[1].text not in evidence
    by_role = validator.get("/cities/Bologna/evidence?code=funding_calls&role=local_government").text
    assert "0 accepted excerpts" in by_role


def test_sub_code_counts_for_its_parent_and_sections_are_reported(client_for, store):
    validator, coder = client_for("validator"), client_for("coder")
    world.accept(coder, store, (0, "funding_calls/reporting"))
    with store.session() as s:
        content = summaries.summary_content(s, s.get(m.Run, world.RUN), "Bologna", "")
    row = next(p for p in content["prevalence_by_role"] if p["code"] == "funding_calls" and p["role"] == "all")
    assert row["excerpts"] == 1
    assert content["sections"] and sum(p["excerpts"] for p in content["prevalence_by_section"]
                                       if p["code"] == "funding_calls") == 1
    assert "Prevalence by interview-guide section" in validator.get("/cities/Bologna").text


def test_sign_off_hashes_exactly_what_was_signed_and_locks_the_summary(client_for, store, users):
    validator, coder = client_for("validator"), client_for("coder")
    world.accept(coder, store, (0, "funding_calls"))
    validator.post("/cities/Bologna/narrative", {"text": "Funding calls are the main barrier."})
    assert _sign(validator).status_code == 303
    with store.session() as s:
        [row] = s.scalars(select(m.SignOff)).all()
    canonical = json.dumps(row.content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert row.content_sha256 == hashlib.sha256(canonical).hexdigest()
    assert row.content["narrative"] == "Funding calls are the main barrier."
    assert row.user_id == users["validator"] and row.comment == "Looks right." and row.signed_at is not None
    assert row.content["basis"]["accepted"] == {world.excerpts()[0].id: ["funding_calls"]}

    page = validator.get("/cities/Bologna").text
    assert 'data-state="signed"' in page and row.content_sha256 in page
    assert 'id="signoff-form"' not in page and 'name="text"' not in page  # read-only
    assert validator.post("/cities/Bologna/narrative", {"text": "changed"}).status_code == 409
    again = validator.post("/cities/Bologna/signoff", {"comment": "", "content_sha256": row.content_sha256})
    assert again.status_code == 409
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(m.SignOff)) == 1
        assert summaries.narrative_of(s, world.RUN, "Bologna") == "Funding calls are the main barrier."


def test_a_decision_after_sign_off_needs_a_new_sign_off_and_the_old_one_stays(client_for, store):
    validator, coder = client_for("validator"), client_for("coder")
    world.accept(coder, store, (0, "funding_calls"))
    _sign(validator)
    with store.session() as s:
        [first] = s.scalars(select(m.SignOff)).all()
    world.accept(coder, store, (4, "funding_calls"))  # another city: Bologna is untouched
    assert 'data-state="signed"' in validator.get("/cities/Bologna").text
    world.accept(coder, store, (2, "regulation"))  # Bologna
    page = validator.get("/cities/Bologna").text
    assert 'data-state="changed"' in page and "Changed since sign-off" in page
    assert 'id="signoff-form"' in page and 'name="text"' in page  # open again
    assert "changed since sign-off" in validator.get("/cities").text
    old = validator.get(f"/cities/Bologna/signoffs/{first.id}").text
    assert "matches the stored content" in old and first.content_sha256 in old
    assert "25% (1/4; 1/2 int.)" in old and "regulation" not in json.dumps(first.content["basis"]["accepted"])
    assert _sign(validator, comment="Second look.").status_code == 303
    with store.session() as s:
        rows = s.scalars(select(m.SignOff).order_by(m.SignOff.id)).all()
        assert len(rows) == 2 and rows[0].content_sha256 == first.content_sha256  # append-only
        assert rows[0].content_sha256 != rows[1].content_sha256
    assert 'data-state="signed"' in validator.get("/cities/Bologna").text


def test_undo_after_sign_off_still_counts_as_a_change(client_for, store):
    validator, coder = client_for("validator"), client_for("coder")
    world.accept(coder, store, (0, "funding_calls"))
    _sign(validator)
    coder.post("/queue/undo", json=True)
    assert 'data-state="changed"' in validator.get("/cities/Bologna").text


def test_signing_content_that_changed_while_reading_is_refused(client_for, store):
    validator, coder = client_for("validator"), client_for("coder")
    page = validator.get("/cities/Bologna").text
    world.accept(coder, store, (1, "trust"))
    refused = validator.post("/cities/Bologna/signoff", {"comment": "", "content_sha256": world.signed_sha(page)}, json=True)
    assert refused.status_code == 409 and "changed while you were reading" in refused.json()["error"]


def test_exports_of_a_signed_summary(client_for, store):
    validator, coder = client_for("validator"), client_for("coder")
    world.accept(coder, store, (4, "funding_calls"))
    _sign(validator, city="Thessaloniki")
    with store.session() as s:
        [row] = s.scalars(select(m.SignOff)).all()
    html = validator.get(f"/cities/Thessaloniki/signoffs/{row.id}/export.html")
    assert html.status_code == 200 and "attachment" in html.headers["content-disposition"]
    assert row.content_sha256 in html.text and world.excerpts()[4].text in html.text
    assert "<script" not in html.text and "<svg" in html.text and "<style>" in html.text
    style = html.text.split("<style>")[1].split("</style>")[0]
    assert '"Segoe UI"' in style and "&#34;" not in style and "&gt;" not in style  # the stylesheet as written
    pdf = validator.get(f"/cities/Thessaloniki/signoffs/{row.id}/export.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and pdf.content.rstrip().endswith(b"%%EOF")
    assert validator.get("/cities/Thessaloniki/signoffs/9999").status_code == 404
    assert validator.get(f"/cities/Bologna/signoffs/{row.id}").status_code == 404  # wrong city


def test_unknown_city_and_code_are_404(client_for):
    validator = client_for("validator")
    assert validator.get("/cities/Atlantis").status_code == 404
    assert validator.get("/cities/Bologna/evidence?code=nonsense").status_code == 404


def test_a_city_with_a_slash_or_dots_in_its_name_can_be_opened_signed_and_exported(client_for, store):
    from sqlalchemy import update

    from app.data import city_from_key, city_key

    with store.transaction() as s:
        s.execute(update(m.TranscriptRow).where(m.TranscriptRow.city == "Bologna").values(city="Emilia/Romagna"))
        s.execute(update(m.TranscriptRow).where(m.TranscriptRow.city == "Thessaloniki").values(city=".."))
    validator = client_for("validator")
    links = re.findall(r'<a href="(/cities/[^"?]+)\?', validator.get("/cities").text)
    assert len(links) == 2
    for link in links:
        page = validator.get(link)
        assert page.status_code == 200, link
        action = re.search(r'<form method="post" action="([^"]+/narrative)"', page.text).group(1)
        assert validator.post(action, {"text": "Read."}).status_code == 303
        page = validator.get(link).text
        signoff = re.search(r'<form method="post" action="([^"]+/signoff)"', page).group(1)
        assert validator.post(signoff, {"comment": "ok", "content_sha256": world.signed_sha(page)}).status_code == 303
        signed = re.search(r'href="([^"]+/signoffs/\d+)\?', validator.get(link).text).group(1)
        assert validator.get(signed).status_code == 200
        assert validator.get(signed + "/export.html").status_code == 200
    with store.session() as s:
        assert sorted(s.scalars(select(m.SignOff.city))) == ["..", "Emilia/Romagna"]
    for name in ("Bologna", "Θεσσαλονίκη", "Emilia/Romagna", "..", "a~2f~b", "50%?#"):
        assert city_from_key(city_key(name)) == name and "/" not in city_key(name)
    assert city_key("Bologna") == "Bologna" and city_key("Θεσσαλονίκη") == "Θεσσαλονίκη"
