"""Double-coding: the same excerpts for two coders, kept apart, and their agreement."""

from __future__ import annotations

import re

from sqlalchemy import select

from app import summaries
from app.doublecoding import coder_codings, pair_agreements
from pipeline.quality.agreement import agreement
from pipeline.store import models as m
from tests.app import world


def _ids(page: str) -> list[int]:
    return [int(x) for x in re.findall(r'<li class="item[^"]*" id="s(\d+)"', page)]


def _versions(page: str) -> dict[int, int]:
    out = {}
    for item in re.split(r'<li class="item', page)[1:]:
        sid = int(re.search(r'id="s(\d+)"', item).group(1))
        out[sid] = int(re.search(r'name="version" value="(\d+)"', item).group(1))
    return out


def _decide(client, sid, action, version, codes=()):
    data = {"action": action, "version": str(version)}
    if codes:
        data["codes"] = list(codes)
    return client.post(f"/suggestions/{sid}/decision", data, json=True)


def test_two_coders_code_the_same_excerpts_apart_and_the_admin_sees_agreement(client_for, store, users):
    admin, ana, ben = client_for("admin"), client_for("coder"), client_for("coder2")
    response = admin.post("/admin/assignments", {"coders": [str(users["coder"]), str(users["coder2"])], "count": "3",
                                                 "city": "Bologna"}, json=True)
    assigned = response.json()["excerpts"]
    assert len(assigned) == 3
    sids = world.suggestion_ids(store)
    index = {e.id: i for i, e in enumerate(world.excerpts())}
    mine = {sid for (i, _), sid in sids.items() if world.excerpts()[i].id in assigned}
    assert set(_ids(ana.get("/queue").text)) == mine == set(_ids(ben.get("/queue").text))
    assert "double-coded" in ana.get("/queue").text

    # both decide on the same suggestion from the same rendered version: no conflict between them
    versions = _versions(ana.get("/queue").text)
    for sid in sorted(mine):
        assert _decide(ana, sid, "accept", _versions(ana.get("/queue?status=all").text)[sid]).status_code == 200
    first = sorted(mine)[0]
    assert _decide(ben, first, "reject", versions[first]).status_code == 200
    for sid in sorted(mine)[1:]:
        assert _decide(ben, sid, "accept", _versions(ben.get("/queue?status=all").text)[sid]).status_code == 200

    # neither sees the other's decisions; the shared suggestion rows are untouched
    ben_page = ben.get("/queue?status=all").text
    assert f'id="s{first}" data-id="{first}" data-excerpt' in ben_page
    assert re.search(rf'id="s{first}"[^>]*data-status="rejected"', ben_page)
    assert re.search(rf'id="s{first}"[^>]*data-status="accepted"', ana.get("/queue?status=all").text)
    with store.session() as s:
        assert {s.get(m.SuggestionRow, sid).status for sid in mine} == {"suggested"}

    codings = coder_codings(store, world.RUN)
    expected = agreement(codings[users["coder"]], codings[users["coder2"]],
                         codes=[c.name for c in world.codebook().codes], bootstrap=200)
    [pair] = pair_agreements(store, world.RUN, bootstrap=200)
    assert (pair.coder_a, pair.coder_b, pair.shared) == ("ana", "ben", 3)
    assert pair.result.kappa == expected.kappa and pair.result.units == 3
    assert len(pair.disagreements) == 1
    page = admin.get("/admin/agreement").text
    assert "ana × ben" in page and f"{expected.kappa:.3f}" in page

    # the summary counts only what both applied
    with store.session() as s:
        accepted = summaries.accepted_codes(s, world.RUN, assigned)
    first_excerpt = next(e for e in assigned if index[e] == next(i for (i, _), sid in sids.items() if sid == first))
    assert "funding_calls" not in accepted.get(first_excerpt, set())


def test_a_coder_cannot_decide_on_excerpts_assigned_to_others(client_for, store, users):
    admin, ana, ben = client_for("admin"), client_for("coder"), client_for("coder2")
    picked = admin.post("/admin/assignments", {"coders": [str(users["coder2"])], "count": "1"}, json=True).json()
    [excerpt] = picked["excerpts"]
    sid = next(sid for (i, _), sid in world.suggestion_ids(store).items() if world.excerpts()[i].id == excerpt)
    assert sid not in _ids(ana.get("/queue").text)
    assert _decide(ana, sid, "accept", 1).status_code == 403
    assert set(_ids(ben.get("/queue").text)) == {s for (i, _), s in world.suggestion_ids(store).items()
                                                 if world.excerpts()[i].id == excerpt}


def test_a_coder_writes_memos_only_where_they_may_decide(client_for, store, users):
    admin, ana, ben, vera = client_for("admin"), client_for("coder"), client_for("coder2"), client_for("validator")
    both = admin.post("/admin/assignments", {"coders": [str(users["coder"]), str(users["coder2"])], "count": "1"},
                      json=True).json()["excerpts"][0]
    bens = admin.post("/admin/assignments", {"coders": [str(users["coder2"])], "count": "1"},
                      json=True).json()["excerpts"][0]
    unassigned = next(e.id for e in world.excerpts() if e.id not in (both, bens))
    memo = lambda client, excerpt: client.post(f"/excerpts/{excerpt}/memos", {"text": "a note"}, json=True)
    assert memo(ana, both).status_code == 200  # her own double-coding
    assert memo(ana, bens).status_code == 403  # assigned to ben only
    assert memo(ana, unassigned).status_code == 403  # she has assignments: only those
    assert memo(ben, bens).status_code == 200
    assert memo(vera, bens).status_code == 200  # validators read and annotate everything
    with store.session() as s:
        assert sorted((m_.user_id, m_.excerpt_id) for m_ in s.scalars(select(m.Memo))) == sorted(
            [(users["coder"], both), (users["coder2"], bens), (users["validator"], bens)])

    # a newer run without assignments does not open the excerpt that the older run gave ben
    from pipeline.records import ExcerptCoding
    from pipeline.store.repository import Repository

    repo = Repository(store)
    repo.create_run("r-2026-02", "corpora/test", {})
    repo.save_run_results("r-2026-02", codings=[ExcerptCoding(e.id, (), ()) for e in world.excerpts()],
                          assignments=[], topics=[], quarantined=[])
    repo.finish_run("r-2026-02", status="completed", output_dir=None, summary={}, codebook_id=world.codebook().id)
    assert memo(ana, bens).status_code == 403
    assert memo(ana, unassigned).status_code == 200  # unassigned in both runs: hers now


def test_only_coders_can_be_assigned(client_for, users):
    admin = client_for("admin")
    assert admin.post("/admin/assignments", {"coders": [str(users["validator"])], "count": "1"}).status_code == 400
    assert admin.post("/admin/assignments", {"count": "1"}).status_code == 400


def test_own_version_guards_a_double_coder_against_their_own_stale_tab(client_for, store, users):
    admin, ana = client_for("admin"), client_for("coder")
    admin.post("/admin/assignments", {"coders": [str(users["coder"]), str(users["coder2"])], "count": "1"})
    page = ana.get("/queue").text
    sid, version = next(iter(_versions(page).items()))
    assert _decide(ana, sid, "accept", version).status_code == 200
    assert _decide(ana, sid, "reject", version).status_code == 409
    with store.session() as s:
        assert len(s.scalars(select(m.Decision)).all()) == 1


def test_double_coded_answers_the_same_for_a_few_excerpts_and_for_a_whole_queue(client_for, store, users):
    """A few excerpts are looked up by id; a queue's thousands through the run's double-coded set."""
    from pipeline.store.assignments import FEW, double_coded

    admin = client_for("admin")
    both = admin.post("/admin/assignments", {"coders": [str(users["coder"]), str(users["coder2"])], "count": "2"},
                      json=True).json()["excerpts"]
    bens = admin.post("/admin/assignments", {"coders": [str(users["coder2"])], "count": "1"},
                      json=True).json()["excerpts"]
    everything = [e.id for e in world.excerpts()]
    padding = [f"not-an-excerpt-{n}" for n in range(FEW + 1)]
    expected = {e: {users["coder"], users["coder2"]} for e in both}
    with store.session() as s:
        assert double_coded(s, world.RUN, everything) == expected  # by id
        assert double_coded(s, world.RUN, everything + padding) == expected  # through the run's set
        assert double_coded(s, world.RUN, [both[0], *bens] + padding) == {both[0]: expected[both[0]]}
        assert double_coded(s, world.RUN) == expected
        assert double_coded(s, world.RUN, []) == {}
