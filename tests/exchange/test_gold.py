"""A REFI-QDA project read as gold codes for ``qualflow eval`` (``pipeline.quality.gold``)."""

from __future__ import annotations

from tests.exchange.study import TRANSCRIPTS
from tests.exchange.test_foreign import foreign_project


# -- gold for evaluation -------------------------------------------------------------------------


def test_a_project_is_gold_for_evaluation(sqlite_export, tmp_path):
    from pipeline.quality.gold import load_gold

    study, path = sqlite_export
    gold = load_gold(path, TRANSCRIPTS)  # the loader registers itself with the gold module
    bo0 = study.excerpt("BO-01", 0)
    spans = {(g.transcript_id, g.start, g.end): g.codes for g in gold.spans}
    assert spans[("BO-01", bo0.start, bo0.end)] == {"funding_calls", "funding_calls/reporting", "trust"}
    assert ("EN-01", study.excerpt("EN-01", 1).start, study.excerpt("EN-01", 1).end) not in spans  # machine only
    assert gold.unlocated == () and gold.notes  # two coders merged, and it says so

    foreign, _ = foreign_project(tmp_path)
    gold = load_gold(foreign, TRANSCRIPTS)
    assert {g.transcript_id for g in gold.spans} == {"BO-01"}
    assert {c for g in gold.spans for c in g.codes} == {"funding_calls", "trust", "trust/peers"}
    assert [u.document for u in gold.unlocated] == ["Someone else's interview"]
