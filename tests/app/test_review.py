"""Coders: the queue, accept/reject/recode, undo, conflicts, memos, the transcript page."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app import review
from app.permissions import CurrentUser
from pipeline.store import models as m
from tests.app import world


def _ids(page: str) -> list[int]:
    return [int(x) for x in re.findall(r'<li class="item[^"]*" id="s(\d+)"', page)]


def _decide(client, sid, action, version, codes=(), **extra):
    data = {"action": action, "version": str(version), **extra}
    if codes:
        data["codes"] = list(codes)
    return client.post(f"/suggestions/{sid}/decision", data, json=True)


def test_queue_puts_the_most_uncertain_first_and_covers_every_code_early(client_for, store):
    sids = world.suggestion_ids(store)
    page = client_for("coder").get("/queue").text
    order = _ids(page)
    with store.session() as s:
        rows = {r.id: r for r in s.scalars(select(m.SuggestionRow))}
    uncertainty = lambda sid: abs(rows[sid].confidence - 0.5)
    assert order[0] == min(sids.values(), key=uncertainty)  # where the model knows least
    codes = {rows[sid].code for sid in order}
    assert {rows[sid].code for sid in order[:len(codes)]} == codes  # every code once before any twice
    for code in codes:  # and within a code, the most uncertain first
        mine = [sid for sid in order if rows[sid].code == code]
        assert mine == sorted(mine, key=uncertainty)
    assert re.search(r'<span id="decided">0</span> / 7', page)


def test_queue_order_lives_in_one_replaceable_function(client_for, store, monkeypatch):
    monkeypatch.setattr(review, "review_order", lambda rows: sorted(rows, key=lambda r: -r.confidence))
    page = client_for("coder").get("/queue").text
    assert _ids(page)[0] == world.suggestion_ids(store)[(1, "trust")]  # 0.93, the most confident


def test_queue_filters(client_for, store):
    coder = client_for("coder")
    sids = world.suggestion_ids(store)
    greek = _ids(coder.get("/queue?city=Thessaloniki").text)
    assert greek == [sids[(4, "funding_calls")]]
    assert _ids(coder.get("/queue?language=el").text) == greek
    assert set(_ids(coder.get("/queue?role=local_government").text)) == {sids[(2, "regulation")], sids[(3, "trust")],
                                                                         sids[(3, "digital_divide")]}
    assert set(_ids(coder.get("/queue?code=trust").text)) == {sids[(1, "trust")], sids[(3, "trust")]}
    assert set(_ids(coder.get("/queue?min_conf=0.5&max_conf=0.75").text)) == {
        sids[(0, "funding_calls")], sids[(4, "funding_calls")], sids[(3, "digital_divide")]}
    section = world.excerpts()[0].guide_section
    if section:
        assert sids[(0, "funding_calls")] in _ids(coder.get(f"/queue?section={section}").text)
    assert coder.get("/queue?min_conf=lots").status_code == 400


def test_the_filter_menus_offer_every_value_in_the_coders_scope_whatever_the_filter(store, users):
    # unfiltered, the menus come from the queue's own rows; filtered, from a query of their own
    coder = CurrentUser(users["coder"], "ana", "coder")
    everything = review.load_queue(store, coder, world.RUN).options
    assert everything["city"] == ["Bologna", "Thessaloniki"] and everything["language"] == ["el", "it"]
    assert everything["code"] == sorted({c for plan in world.PLAN for c, _ in plan})
    for filters in (review.QueueFilters(city="Thessaloniki"), review.QueueFilters(code="trust"),
                    review.QueueFilters(status="decided")):
        assert review.load_queue(store, coder, world.RUN, filters).options == everything


def test_accept_writes_decision_status_and_audit_in_one_go(client_for, store, users):
    coder = client_for("coder")
    sid = world.suggestion_ids(store)[(0, "funding_calls")]
    response = _decide(coder, sid, "accept", 1)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted" and body["codes"] == ["funding_calls"]
    with store.session() as s:
        row = s.get(m.SuggestionRow, sid)
        assert (row.status, row.version) == ("accepted", 2)
        [d] = s.scalars(select(m.Decision)).all()
        assert (d.user_id, d.action, d.codes, d.suggestion_id, d.source) == (users["coder"], "accept",
                                                                             ["funding_calls"], sid, "app")
        assert d.created_at is not None
        [entry] = s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "decision_accept")).all()
        assert entry.user_id == users["coder"] and entry.details["decision"] == d.id
    # the sibling suggestion of the same excerpt moved on too: its rendered version is stale now
    sibling = world.suggestion_ids(store)[(0, "funding_calls/reporting")]
    assert body["versions"] == {str(sid): 2, str(sibling): 2}


def test_reject_and_recode_with_several_codes(client_for, store):
    coder = client_for("coder")
    sids = world.suggestion_ids(store)
    assert _decide(coder, sids[(3, "digital_divide")], "accept", 1).json()["codes"] == ["digital_divide"]
    recoded = _decide(coder, sids[(3, "trust")], "recode", 2, codes=["regulation", "trust/institutions"]).json()
    assert recoded["status"] == "recoded"
    assert recoded["codes"] == ["digital_divide", "regulation", "trust/institutions"]
    rejected = _decide(coder, sids[(3, "digital_divide")], "reject", 3).json()
    assert rejected["codes"] == ["regulation", "trust/institutions"]
    with store.session() as s:
        assert s.get(m.SuggestionRow, sids[(3, "digital_divide")]).status == "rejected"
        assert s.get(m.SuggestionRow, sids[(3, "trust")]).status == "recoded"


def test_bad_decisions_are_user_errors(client_for, store):
    coder = client_for("coder")
    sid = world.suggestion_ids(store)[(1, "trust")]
    assert _decide(coder, sid, "recode", 1).status_code == 400  # no code picked
    assert _decide(coder, sid, "recode", 1, codes=["no_such_code"]).status_code == 400
    assert _decide(coder, sid, "approve", 1).status_code == 400
    assert _decide(coder, 99999, "accept", 1).status_code == 404
    assert world.version_of(store, sid) == 1


def test_undo_restores_the_previous_status_with_a_new_decision_row(client_for, store):
    coder = client_for("coder")
    sid = world.suggestion_ids(store)[(1, "trust")]
    _decide(coder, sid, "accept", 1)
    _decide(coder, sid, "reject", 2)
    undo = coder.post("/queue/undo", json=True).json()
    assert undo["status"] == "accepted" and undo["codes"] == ["trust"]
    with store.session() as s:
        rows = s.scalars(select(m.Decision).order_by(m.Decision.id)).all()
        assert [(d.action, d.undoes) for d in rows] == [("accept", None), ("reject", None), ("undo", rows[1].id)]
        assert s.get(m.SuggestionRow, sid).status == "accepted"
    undo = coder.post("/queue/undo", json=True).json()  # and the one before
    assert undo["status"] == "suggested" and undo["codes"] == []
    assert coder.post("/queue/undo", json=True).status_code == 409  # nothing left
    with store.session() as s:
        assert s.get(m.SuggestionRow, sid).status == "suggested"
        assert s.scalar(select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.action == "decision_undo")) == 2


def test_second_coder_on_the_same_suggestion_gets_a_conflict_not_an_overwrite(client_for, store):
    ana, ben = client_for("coder"), client_for("coder2")
    sid = world.suggestion_ids(store)[(2, "regulation")]
    # both rendered the queue at version 1
    assert f'value="1" class="version"' in ana.get("/queue").text
    assert _decide(ana, sid, "accept", 1).status_code == 200
    late = _decide(ben, sid, "reject", 1)
    assert late.status_code == 409
    assert "Someone else changed this excerpt" in late.json()["error"]
    page = ben.client.post(f"/suggestions/{sid}/decision", data={"action": "reject", "version": "1",
                                                                 "csrf_token": ben.csrf})
    assert page.status_code == 409 and "Someone else changed this excerpt" in page.text  # the plain-form path
    with store.session() as s:
        assert s.get(m.SuggestionRow, sid).status == "accepted"
        assert s.scalar(select(func.count()).select_from(m.Decision)) == 1


def test_a_decision_on_a_sibling_suggestion_makes_the_page_stale(client_for, store):
    ana, ben = client_for("coder"), client_for("coder2")
    sids = world.suggestion_ids(store)
    assert _decide(ana, sids[(0, "funding_calls")], "accept", 1).status_code == 200
    # ben's page still shows the excerpt without funding_calls: his decision would drop it
    assert _decide(ben, sids[(0, "funding_calls/reporting")], "accept", 1).status_code == 409


def test_undo_after_someone_else_changed_the_excerpt_is_refused(client_for, store):
    ana, ben = client_for("coder"), client_for("coder2")
    sids = world.suggestion_ids(store)
    _decide(ana, sids[(0, "funding_calls")], "accept", 1)
    _decide(ben, sids[(0, "funding_calls/reporting")], "accept", 2)
    refused = ana.post("/queue/undo", json=True)
    assert refused.status_code == 409 and "can no longer be undone" in refused.json()["error"]


def test_plain_form_decision_redirects_back_to_the_queue(client_for, store):
    coder = client_for("coder")
    sid = world.suggestion_ids(store)[(1, "trust")]
    response = coder.post(f"/suggestions/{sid}/decision", {"action": "accept", "version": "1",
                                                            "next": "/queue?city=Bologna"})
    assert response.status_code == 303 and response.headers["location"] == "/queue?city=Bologna"
    assert sid not in _ids(coder.get("/queue").text)  # decided: gone from the pending list
    assert sid in _ids(coder.get("/queue?status=decided").text)
    assert re.search(r'<span id="decided">1</span> / 7', coder.get("/queue").text)


def test_memo_is_saved_with_its_author_and_audited(client_for, store, users):
    coder = client_for("coder")
    excerpt = world.excerpts()[0].id
    assert coder.post(f"/excerpts/{excerpt}/memos", {"text": "Talks about volunteers too."}, json=True).json()["ok"]
    assert coder.post(f"/excerpts/{excerpt}/memos", {"text": "   "}, json=True).status_code == 400
    with store.session() as s:
        [memo] = s.scalars(select(m.Memo)).all()
        assert (memo.user_id, memo.excerpt_id, memo.transcript_id) == (users["coder"], excerpt, "BO-01")
        assert s.scalars(select(m.AuditEntry.action).where(m.AuditEntry.object_id == excerpt)).all() == ["memo"]
    assert "Talks about volunteers too." in coder.get("/queue").text


def test_transcript_page_highlights_the_excerpt_by_its_offsets(client_for):
    excerpt = world.excerpts()[1]
    page = client_for("coder").get(f"/transcripts/BO-01?excerpt={excerpt.id}").text
    marked = re.search(r'<mark id="excerpt">(.*?)</mark>', page, re.S).group(1)
    assert marked == excerpt.text
    assert "Vi fidate degli altri genitori?" in page  # the interviewer's turns are there too


def test_queue_item_shows_question_speaker_city_role_and_a_transcript_link(client_for):
    page = client_for("coder").get("/queue?city=Thessaloniki").text
    excerpt = world.excerpts()[4]
    assert excerpt.text in page and "Ποιες δυσκολίες είχατε με τη χρηματοδότηση;" in page
    assert "Γονέας" in page and "Thessaloniki" in page and "parent" in page
    assert f"/transcripts/TH-01?run={world.RUN}&amp;excerpt={excerpt.id.replace('.', '.')}" in page
    assert "confidence 0.60" in page and "close to funding_calls examples" in page


def test_decide_service_directly(store, users):
    coder = CurrentUser(users["coder"], "ana", "coder")
    sid = world.suggestion_ids(store)[(1, "trust")]
    result = review.decide(store, coder, sid, "accept", 1)
    assert result.status == "accepted" and result.previous_status == "suggested"


def test_the_queue_says_which_codes_the_mapper_would_not_promise(client_for, store):
    note = "Trust: not enough decisions yet to promise 80% precision (2 accepted, 1 rejected so far); not suggested"
    page = client_for("coder").get("/queue").text
    assert "not enough decisions yet" not in page
    with store.transaction() as s:
        s.get(m.Run, world.RUN).summary = {"mapping_notes": [note, "<script>alert(1)</script>"]}
    page = client_for("coder").get("/queue").text
    assert note in page and "<script>alert(1)</script>" not in page
