"""The decision, conflict and undo path on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app import review
from app.auth import add_user
from app.errors import Conflict
from app.permissions import CurrentUser
from pipeline.store import models as m
from pipeline.store.db import Store
from tests.app import world


@pytest.fixture
def seeded(store_url):
    store = Store(store_url)
    ids = world.seed(store)
    yield store, ids
    store.dispose()


def _user(ids, key):
    return CurrentUser(ids[key], world.USERS[key], "coder")


def test_decision_conflict_and_undo(seeded):
    store, ids = seeded
    ana, ben = _user(ids, "coder"), _user(ids, "coder2")
    sid = world.suggestion_ids(store)[(2, "regulation")]
    assert review.decide(store, ana, sid, "accept", 1).status == "accepted"
    with pytest.raises(Conflict):
        review.decide(store, ben, sid, "reject", 1)
    result = review.decide(store, ben, sid, "reject", 2)
    assert result.previous_status == "accepted" and result.codes == ()
    with pytest.raises(Conflict):
        review.undo_last(store, ana, world.RUN)  # ben changed the excerpt after ana
    undone = review.undo_last(store, ben, world.RUN)
    assert undone.status == "accepted" and undone.codes == ("regulation",)
    with store.session() as s:
        row = s.get(m.SuggestionRow, sid)
        assert (row.status, row.version) == ("accepted", 4)
        assert [d.action for d in s.scalars(select(m.Decision).order_by(m.Decision.id))] == ["accept", "reject", "undo"]
        assert s.scalar(select(func.count()).select_from(m.AuditEntry).where(
            m.AuditEntry.action.like("decision_%"))) == 3


def test_concurrent_decisions_on_one_suggestion_one_wins_none_lost(seeded):
    store, ids = seeded
    coders = [_user(ids, "coder"), _user(ids, "coder2")]
    for i in range(6):
        coders.append(CurrentUser(add_user(store, f"extra{i}", "coder", world.PASSWORD), f"extra{i}", "coder"))
    sid = world.suggestion_ids(store)[(1, "trust")]
    barrier = threading.Barrier(len(coders))
    outcomes: list[str] = []

    def attempt(user):
        barrier.wait()
        try:
            review.decide(store, user, sid, "accept" if user.id % 2 else "reject", 1)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(u,)) for u in coders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * (len(coders) - 1) + ["ok"]
    with store.session() as s:
        [decision] = s.scalars(select(m.Decision)).all()
        row = s.get(m.SuggestionRow, sid)
        assert row.version == 2 and row.status == {"accept": "accepted", "reject": "rejected"}[decision.action]


def test_concurrent_decisions_on_sibling_suggestions_never_lose_a_code(seeded):
    store, ids = seeded
    ana, ben = _user(ids, "coder"), _user(ids, "coder2")
    sids = world.suggestion_ids(store)
    pair = [(ana, sids[(0, "funding_calls")]), (ben, sids[(0, "funding_calls/reporting")])]
    barrier = threading.Barrier(2)
    results: list = []

    def attempt(user, sid):
        barrier.wait()
        try:
            results.append(review.decide(store, user, sid, "accept", 1))
        except Conflict:
            results.append(None)

    threads = [threading.Thread(target=attempt, args=p) for p in pair]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [r for r in results if r is not None]
    assert len(won) == 1  # the loser saw the excerpt before the winner's code: refused, not merged blindly
    with store.session() as s:
        [decision] = s.scalars(select(m.Decision)).all()
        assert decision.codes == list(won[0].codes)


def test_many_coders_many_suggestions_every_success_is_one_row(seeded):
    store, ids = seeded
    users = [CurrentUser(add_user(store, f"c{i}", "coder", world.PASSWORD), f"c{i}", "coder") for i in range(4)]
    sids = list(world.suggestion_ids(store).values())
    successes = []
    lock = threading.Lock()

    def work(user):
        for _ in range(3):
            for sid in sids:
                with store.session() as s:
                    version = s.get(m.SuggestionRow, sid).version
                try:
                    r = review.decide(store, user, sid, "accept", version)
                except Conflict:
                    continue
                with lock:
                    successes.append(r.decision_id)

    threads = [threading.Thread(target=work, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.session() as s:
        rows = s.scalars(select(m.Decision.id)).all()
        versions = sum(v - 1 for v in s.scalars(select(m.SuggestionRow.version)))
    assert sorted(rows) == sorted(successes) and len(set(successes)) == len(successes)
    assert len(rows) > 0 and versions >= len(rows)
