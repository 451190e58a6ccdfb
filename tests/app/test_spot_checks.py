"""Spot checks: every n-th card is an excerpt with no suggestion; the coder's answer ("none",
or the codes that apply) is a decision the model learns from, and the tally estimates misses."""

from __future__ import annotations

from sqlalchemy import delete, select

from app import review
from pipeline.store import models as m
from tests.app import world


def _quiet(store, *indexes):
    """Remove the suggestions of these excerpts: excerpts the model suggested nothing for."""
    ids = [world.excerpts()[i].id for i in indexes]
    with store.transaction() as s:
        s.execute(delete(m.SuggestionRow).where(m.SuggestionRow.excerpt_id.in_(ids)))
    return ids


def _accept(coder, store, index, code):
    sid = world.suggestion_ids(store)[(index, code)]
    return coder.post(f"/suggestions/{sid}/decision", {"action": "accept", "version": world.version_of(store, sid)},
                      json=True)


def test_every_second_card_is_a_spot_check_and_its_answer_is_a_decision(client_for, store, monkeypatch):
    monkeypatch.setattr(review, "spot_check_share", 0.5)
    quiet = _quiet(store, 3, 4)
    coder = client_for("coder")
    assert 'class="item spot-check"' not in coder.get("/queue").text  # the 1st card is a suggestion
    assert _accept(coder, store, 1, "trust").status_code == 200
    page = coder.get("/queue").text  # the 2nd is a spot check on one of the quiet excerpts
    assert 'class="item spot-check"' in page
    shown = [e for e in quiet if f'data-excerpt="{e}"' in page.split('class="item spot-check"')[1].split("</section>")[0]]
    assert len(shown) == 1
    answer = coder.post(f"/excerpts/{shown[0]}/check", {"run": world.RUN}, json=True).json()
    assert answer["action"] == "none" and answer["codes"] == []
    # a decided spot check is not shown again; the next spot check (4th card) is the other quiet excerpt
    assert _accept(coder, store, 0, "funding_calls").status_code == 200
    page = coder.get("/queue").text
    other = next(e for e in quiet if e != shown[0])
    assert f'data-excerpt="{other}"' in page and f'data-excerpt="{shown[0]}"' not in page
    coded = coder.post(f"/excerpts/{other}/check", {"run": world.RUN, "codes": ["trust"]}, json=True).json()
    assert coded["action"] == "code" and coded["codes"] == ["trust"]
    with store.session() as s:
        rows = {d.excerpt_id: d for d in s.scalars(select(m.Decision).where(m.Decision.suggestion_id.is_(None)))}
        assert rows[shown[0]].action == "none" and rows[shown[0]].codes == []
        assert rows[other].action == "code" and rows[other].codes == ["trust"]
        assert {a.action for a in s.scalars(select(m.AuditEntry))} >= {"spot_check_none", "spot_check_code"}
    tally = review.spot_tally(store, world.RUN)
    assert (tally.checked, tally.coded) == (2, 1)
    low, high = tally.interval()
    assert low < 0.5 < high  # 1 of 2: a wide interval around a half
    assert "Spot checks so far: 2, of which 1 needed a code" in coder.get("/queue").text


def test_spot_check_answers_are_training_examples(client_for, store, monkeypatch):
    from pipeline.mapping.resuggest import training_examples_from_decisions

    monkeypatch.setattr(review, "spot_check_share", 1.0)
    quiet = _quiet(store, 4)
    coder = client_for("coder")
    assert coder.post(f"/excerpts/{quiet[0]}/check", {"run": world.RUN}, json=True).status_code == 200
    examples = {ex.excerpt.id: ex for ex in training_examples_from_decisions(store)}
    # seen and left uncoded: a negative for every code
    assert examples[quiet[0]].label("trust") == 0 and examples[quiet[0]].label("funding_calls") == 0


def test_bad_spot_check_answers(client_for, store, monkeypatch):
    quiet = _quiet(store, 4)
    coder = client_for("coder")
    suggested = world.excerpts()[0].id
    # an excerpt with suggestions is decided through them
    assert coder.post(f"/excerpts/{suggested}/check", {"run": world.RUN}, json=True).status_code == 400
    assert coder.post(f"/excerpts/{quiet[0]}/check", {"run": world.RUN, "codes": ["no_such_code"]},
                      json=True).status_code == 400
    assert coder.post("/excerpts/nope/check", {"run": world.RUN}, json=True).status_code == 404
    assert coder.post(f"/excerpts/{quiet[0]}/check", {"run": world.RUN}, json=True).status_code == 200
    # twice: the second coder finds it already decided
    assert client_for("coder2").post(f"/excerpts/{quiet[0]}/check", {"run": world.RUN}, json=True).status_code == 409
    # undo takes a spot check back like any decision
    undo = coder.post("/queue/undo", json=True).json()
    assert undo["excerpt"] == quiet[0] and undo["codes"] == []
    assert review.spot_tally(store, world.RUN).checked == 0
