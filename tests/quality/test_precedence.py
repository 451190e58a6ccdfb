"""The precedence of reconciled codes, on decision rows as the log holds them."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

from pipeline.store.codings import CurrentCoding, prevailing
from pipeline.quality.precedence import RECONCILED, reconciled, standing


def _d(id, excerpt, codes=(), *, action="code", source="app", undoes=None):
    return SimpleNamespace(id=id, excerpt_id=excerpt, action=action, source=source, undoes=undoes, codes=list(codes))


def test_the_latest_standing_reconciled_decision_holds_and_an_undone_one_does_not():
    log = [_d(1, "e1", ["a"]), _d(2, "e1", ["b"]), _d(3, "e1", ["a", "b"], source=RECONCILED),
           _d(5, "e1", ["c"], source=RECONCILED), _d(6, "e1", ["d"]),  # a coder after the agreement
           _d(7, "e2", ["x"], source=RECONCILED), _d(8, "e2", action="undo", undoes=7)]
    assert [d.id for d in standing(log)] == [1, 2, 3, 5, 6]
    agreed = reconciled(reversed(log))  # the order rows arrive in does not matter
    assert {e: d.codes for e, d in agreed.items()} == {"e1": ["c"]}


def test_an_export_keeps_only_the_reconciled_coding_of_a_reconciled_excerpt():
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def c(user, name, excerpt, codes, decision, source="app", span=(None, None)):
        return CurrentCoding(user, name, excerpt, *span, tuple(codes), at, decision, "code", source)

    codings = [c(1, "ana", "e1", ["a"], 1), c(2, "ben", "e1", ["b"], 2), c(2, "ben", "e1", ["b"], 3, span=(4, 9)),
               c(9, "admin", "e1", ["a", "b"], 4, RECONCILED), c(1, "ana", "e2", ["a"], 5), c(2, "ben", "e2", ["a"], 6)]
    kept = prevailing({x.key: x for x in codings})
    assert sorted((x.username, x.excerpt_id) for x in kept.values()) == [
        ("admin", "e1"), ("ana", "e2"), ("ben", "e2")]
