"""Reconciling double-coding: the admin records the agreed codes of excerpts whose coders
differ; from then on they are the excerpt's codes in summaries, exports, gold and learning."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import summaries
from pipeline.quality.precedence import RECONCILED
from pipeline.store import models as m
from tests.app import world


def _decide(client, sid, action, version, codes=()):
    data = {"action": action, "version": str(version)}
    if codes:
        data["codes"] = list(codes)
    return client.post(f"/suggestions/{sid}/decision", data, json=True)


def _own_version(client, sid) -> int:
    page = client.get("/queue?status=all").text
    item = page.split(f'id="s{sid}"', 1)[1]
    return int(re.search(r'name="version" value="(\d+)"', item).group(1))


@pytest.fixture
def disagreement(client_for, store, users):
    """Excerpt 0 (funding_calls, funding_calls/reporting) assigned to ana and ben: ana accepts
    funding_calls, ben recodes it to trust. Excerpt 1 (trust): both accept. Returns the admin's
    client and the two excerpt ids."""
    admin, ana, ben = client_for("admin"), client_for("coder"), client_for("coder2")
    first, second = world.excerpts()[0].id, world.excerpts()[1].id
    with store.transaction() as s:  # exactly these two, so the test knows what each coder saw
        s.add_all(m.Assignment(run_id=world.RUN, excerpt_id=e, user_id=users[c])
                  for e in (first, second) for c in ("coder", "coder2"))
    sids = world.suggestion_ids(store)
    funding, trust = sids[(0, "funding_calls")], sids[(1, "trust")]
    assert _decide(ana, funding, "accept", _own_version(ana, funding)).status_code == 200
    assert _decide(ben, funding, "recode", _own_version(ben, funding), ["trust"]).status_code == 200
    for client in (ana, ben):
        assert _decide(client, trust, "accept", _own_version(client, trust)).status_code == 200
    return admin, first, second


def _version(page: str, excerpt_id: str) -> int:
    card = page.split(f'data-excerpt="{excerpt_id}"', 1)[1]
    return int(re.search(r'name="version" value="(\d+)"', card).group(1))


def test_the_admin_sees_the_disagreement_side_by_side_and_records_the_agreed_codes(disagreement, store, users):
    admin, first, second = disagreement
    page = admin.get("/admin/reconcile").text
    assert page.count('data-state="open"') == 1 and f'data-excerpt="{first}" data-state="open"' in page
    card = page.split(f'data-excerpt="{first}"', 1)[1].split("</article>", 1)[0]
    assert world.excerpts()[0].text in card and world.excerpts()[0].question in card
    assert re.search(r'data-coder="ana"><h3>ana</h3><p><span class="code">[^<]*Funding', card)
    assert re.search(r'data-coder="ben"><h3>ben</h3><p><span class="code">[^<]*Trust', card)
    assert 'data-open="1" data-reconciled="0" data-agreed="1"' in page

    with store.session() as s:  # before: the city summary counts what both applied, none of it here
        assert summaries.accepted_codes(s, world.RUN, [first]).get(first, set()) == set()

    response = admin.post(f"/admin/reconcile/{first}", {"run": world.RUN, "version": str(_version(page, first)),
                                                        "codes": ["funding_calls", "trust"]}, json=True)
    assert response.status_code == 200, response.text
    assert response.json()["codes"] == ["funding_calls", "trust"]

    with store.session() as s:
        [d] = s.scalars(select(m.Decision).where(m.Decision.source == RECONCILED)).all()
        assert (d.user_id, d.excerpt_id, d.action, d.codes, d.suggestion_id) == (
            users["admin"], first, "code", ["funding_calls", "trust"], None)
        entry = s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "reconcile")).one()
        assert entry.object_id == first and entry.details["codes_after"] == ["funding_calls", "trust"]
        assert entry.study == "test"
        from pipeline.store.studies import studies

        assert [st.coders for st in studies(s) if st.name == "test"] == [("ana", "ben")]  # the admin is no coder
        assert summaries.accepted_codes(s, world.RUN, [first, second]) == {first: {"funding_calls", "trust"},
                                                                           second: {"trust"}}
    page = admin.get("/admin/reconcile").text
    assert 'data-open="0" data-reconciled="1" data-agreed="1"' in page and 'id="none-left"' in page
    after = re.findall(r'<tr data-coder="(\w+)"><td>\w+</td><td>(\d+)</td>', page)
    assert after == [("ana", "2"), ("ben", "2")]  # each coder against the final codes of both excerpts



def test_the_reconciled_codes_win_in_summaries_exports_gold_and_learning(disagreement, store, users, tmp_path):
    admin, first, second = disagreement
    page = admin.get("/admin/reconcile").text
    assert admin.post(f"/admin/reconcile/{first}", {"run": world.RUN, "version": str(_version(page, first)),
                                                    "codes": ["regulation"]}).status_code == 303

    from pipeline.exchange import export_qdpx
    from pipeline.exchange.project import read_project
    from pipeline.mapping.resuggest import training_examples_from_decisions
    from pipeline.quality.gold import decisions_gold

    with store.session() as s:  # the city summary a validator signs
        content = summaries.summary_content(s, s.get(m.Run, world.RUN), "Bologna", "")
    assert content["basis"]["accepted"][first] == ["regulation"]
    assert first in content["evidence"]["regulation"] and first not in content["evidence"].get("trust", [])

    report = export_qdpx(store, world.RUN, tmp_path / "study.qdpx")
    assert report.superseded == 2 and any("reconciled" in line for line in report.lines())
    project = read_project(tmp_path / "study.qdpx")
    people = {u.guid: u.name for u in project.users}
    code_of = {c.guid: c.name for c in project.codes}
    excerpt = world.excerpts()[0]
    on_first = {(people[sel.user], tuple(sorted(code_of[c.code] for c in sel.codings)))
                for src in project.sources for sel in src.selections
                if (sel.start, sel.end) == (excerpt.start, excerpt.end) and people.get(sel.user) != "qualflow"}
    assert on_first == {("admin", ("regulation",))}

    assert {s_.unit_id: set(s_.codes) for s_ in decisions_gold(store, "ana", reconciled=True).spans} == {
        first: {"regulation"}, second: {"trust"}}
    assert {s_.unit_id: set(s_.codes) for s_ in decisions_gold(store, "ana").spans} == {
        first: {"funding_calls"}, second: {"trust"}}  # her own, for agreement between coders
    examples = {ex.excerpt.id: ex for ex in training_examples_from_decisions(store)}
    assert examples[first].positive == {"regulation"} and examples[first].negative is None  # a complete set


def test_a_later_change_by_a_coder_does_not_undo_the_agreement(disagreement, client_for, store):
    admin, first, _ = disagreement
    page = admin.get("/admin/reconcile").text
    assert admin.post(f"/admin/reconcile/{first}", {"run": world.RUN, "version": str(_version(page, first)),
                                                    "codes": ["digital_divide"]}).status_code == 303
    ben = client_for("coder2")
    funding = world.suggestion_ids(store)[(0, "funding_calls")]
    assert _decide(ben, funding, "recode", _own_version(ben, funding), ["regulation"]).status_code == 200
    with store.session() as s:
        assert summaries.accepted_codes(s, world.RUN, [first]) == {first: {"digital_divide"}}
    # the coders still code blind: ben's queue shows his own codes, never the agreed or ana's
    item = ben.get("/queue?status=all").text.split(f'id="s{funding}"', 1)[1]
    assert re.search(r'<span class="codes">([^<]*)</span>', item).group(1) == "regulation, trust"
    # the admin sees that ben decided again after the agreement; ana did not
    card = admin.get("/admin/reconcile").text.split(f'data-excerpt="{first}"', 1)[1].split("</article>", 1)[0]
    assert "Changed since the agreement by ben" in card and "ana" not in card.split("Changed since", 1)[1].split("</p>")[0]


def test_stale_unknown_undoubled_and_read_only_reconciliations_are_refused(disagreement, client_for, store, users):
    admin, first, second = disagreement
    page = admin.get("/admin/reconcile").text
    version = _version(page, first)
    post = lambda excerpt, codes, v=version: admin.post(  # noqa: E731
        f"/admin/reconcile/{excerpt}", {"run": world.RUN, "version": str(v), "codes": codes}, json=True)

    response = post(first, ["trust", "not_a_code"])
    assert response.status_code == 400 and "not_a_code" in response.json()["error"]
    unassigned = world.excerpts()[2].id
    assert post(unassigned, ["trust"]).status_code == 400
    assert post(first, ["trust"], version - 1).status_code == 409
    assert post(first, []).status_code == 200  # no code applies: recorded as "none"
    assert post(first, ["trust"]).status_code == 409  # the page is stale now: another admin went first
    assert admin.client.post(f"/admin/reconcile/{first}", data={"run": world.RUN, "version": str(version + 1),
                                                               "codes": ["trust"]}).status_code == 403  # no CSRF
    with store.session() as s:
        rows = s.scalars(select(m.Decision).where(m.Decision.source == RECONCILED)).all()
        assert [(d.action, d.codes) for d in rows] == [("none", [])]
        assert summaries.accepted_codes(s, world.RUN, [first]) == {first: set()}

    # a later run of the study makes this one read-only
    from pipeline.records import ExcerptCoding
    from pipeline.store.repository import Repository

    repo = Repository(store)
    repo.create_run("r-2026-02", "corpora/test", {})
    repo.save_run_results("r-2026-02", codings=[ExcerptCoding(e.id, (), ()) for e in world.excerpts()],
                          assignments=[], topics=[], quarantined=[])
    repo.finish_run("r-2026-02", status="completed", output_dir=None, summary={}, codebook_id=world.codebook().id)
    assert post(first, ["trust"], version + 1).status_code == 409
    old = admin.get(f"/admin/reconcile?run={world.RUN}").text
    assert 'data-state="reconciled"' in old and "reconcile-form" not in old  # read, not changed


def test_validators_read_the_reconciliation_and_coders_never_see_it(disagreement, client_for):
    _, first, _ = disagreement
    vera, ana = client_for("validator"), client_for("coder")
    page = vera.get("/admin/reconcile")
    assert page.status_code == 200 and f'data-excerpt="{first}"' in page.text
    assert "reconcile-form" not in page.text
    form = {"run": world.RUN, "version": "4", "codes": ["trust"]}
    assert vera.post(f"/admin/reconcile/{first}", form).status_code == 403
    assert ana.get("/admin/reconcile").status_code == 403
    assert ana.post(f"/admin/reconcile/{first}", form).status_code == 403


def test_script_in_a_double_coded_excerpt_renders_as_text(client_for, store, users):
    admin, ana, ben = client_for("admin"), client_for("coder"), client_for("coder2")
    excerpt = world.excerpts()[3]  # carries <script>alert(1)</script> from the transcript itself
    assert world.XSS in excerpt.text
    with store.transaction() as s:
        s.add_all(m.Assignment(run_id=world.RUN, excerpt_id=excerpt.id, user_id=users[c]) for c in ("coder", "coder2"))
    sid = world.suggestion_ids(store)[(3, "digital_divide")]
    assert _decide(ana, sid, "accept", 0).status_code == 200
    assert _decide(ben, sid, "reject", 0).status_code == 200
    page = admin.get("/admin/reconcile").text
    assert f'data-excerpt="{excerpt.id}" data-state="open"' in page
    assert world.XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
