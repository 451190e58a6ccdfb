"""Studies: the migration of a store made before them, and the one "latest run" answer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import MetaData, Table

from pipeline.errors import NotFound
from pipeline.store import models as m
from pipeline.store.db import Store
from pipeline.store.repository import Repository
from pipeline.store.studies import latest_run, resolve_run, studies, study_name_of

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)


def _old_store(url: str) -> Store:
    """A store with the schema of revision 0003_security (before studies), filled with plain SQL:
    three runs over two corpus folders (one named by two paths), one of them failed."""
    store = Store(url, migrate=False)
    store.upgrade("0003_security")
    rows = {
        "transcripts": [dict(id=t, file=f"{t}.txt", format="txt", source_sha256="s", text_sha256="t", text="x y z",
                             variables={}, updated_at=T0) for t in ("AK-01", "AK-02", "GR-01")],
        "excerpts": [dict(id=f"{t}#0", transcript_id=t, start=0, end=5, text="x y z", text_sha256="h", turn_index=0,
                          speaker="A") for t in ("AK-01", "AK-02", "GR-01")],
        "runs": [dict(id="r1", corpus="corpora/alaska", status="completed", started_at=T0, config={}, summary={}),
                 dict(id="r2", corpus="/data/alaska/", status="completed", started_at=T0 + timedelta(days=1),
                      config={}, summary={}),
                 dict(id="r3", corpus="corpora\\greece", status="failed", started_at=T0 + timedelta(days=2),
                      config={}, summary={}),
                 dict(id="r_4", corpus=".", status="completed", started_at=T0, config={}, summary={})],
        "run_excerpts": [dict(run_id="r1", excerpt_id="AK-01#0", scores={}),
                         dict(run_id="r2", excerpt_id="AK-01#0", scores={}),
                         dict(run_id="r2", excerpt_id="AK-02#0", scores={}),
                         dict(run_id="r3", excerpt_id="GR-01#0", scores={})],
        "suggestions": [dict(id=7, run_id="r2", excerpt_id="AK-02#0", code="trust", confidence=0.5, reason="",
                             rank=1, status="accepted", version=2, updated_at=T0)],
        "users": [dict(id=1, username="ana", role="coder", active=True, created_at=T0)],
        "audit_log": [dict(id=1, at=T0, user_id=1, action="decision_accept", object_type="suggestion",
                           object_id="7", details={}),
                      dict(id=2, at=T0, user_id=1, action="signoff", object_type="city", object_id="r1/Anchorage",
                           details={}),
                      dict(id=3, at=T0, user_id=1, action="sign_in", object_type="user", object_id="1",
                           details={}),
                      dict(id=4, at=T0, user_id=1, action="narrative", object_type="city", object_id="rX4/Nome",
                           details={})],
    }
    with store.engine.begin() as c:
        for table, values in rows.items():  # the tables as the old schema made them
            c.execute(Table(table, MetaData(), autoload_with=c).insert(), values)
    return store


def test_migration_makes_each_run_a_study_named_after_its_corpus_folder(store_url):
    store = _old_store(store_url)
    store.upgrade()
    with store.session() as s:
        assert {r.id: r.study for r in s.query(m.Run)} == {"r1": "alaska", "r2": "alaska", "r3": "greece",
                                                             "r_4": "default"}
        assert sorted((t.study, t.transcript_id) for t in s.query(m.StudyTranscript)) == [
            ("alaska", "AK-01"), ("alaska", "AK-02"), ("greece", "GR-01")]
        audit = {a.id: a.study for a in s.query(m.AuditEntry)}
        assert audit == {1: "alaska", 2: "alaska", 3: None, 4: None}  # "r_4" must not match "rX4" (LIKE's _)
        assert latest_run(s, "alaska").id == "r2"
        assert latest_run(s, "greece") is None  # failed runs are never the latest
        overview = {o.name: o for o in studies(s)}
        assert (overview["alaska"].runs, overview["alaska"].transcripts, overview["greece"].completed_runs) == (2, 2, 0)
    store.dispose()


def test_latest_run_is_per_study_and_resolve_run_says_what_is_missing(store_url):
    store = Store(store_url)
    repo = Repository(store)
    for run_id, corpus, study in (("a1", "corpora/alaska", None), ("g1", "corpora/greece", None),
                                  ("a2", "elsewhere/x", "alaska")):
        repo.create_run(run_id, corpus, {}, study=study)
        repo.finish_run(run_id, status="completed", output_dir=None, summary={})
    with store.session() as s:
        assert latest_run(s, "alaska").id == "a2" and latest_run(s, "greece").id == "g1"
        assert latest_run(s).id == "a2"
        assert resolve_run(s, "latest", "greece").id == "g1"
        assert resolve_run(s, "a1", "alaska").id == "a1"
        with pytest.raises(NotFound, match="run 'a1' is in study 'alaska', not 'greece'"):
            resolve_run(s, "a1", "greece")
        with pytest.raises(NotFound, match=r"no study 'chile' in the store \(studies: alaska, greece\)"):
            resolve_run(s, None, "chile")
    store.dispose()


@pytest.mark.parametrize("corpus, name", [("corpora/alaska", "alaska"), ("corpora/alaska/", "alaska"),
                                          ("C:\\data\\Θεσσαλονίκη", "Θεσσαλονίκη"), ("", "default")])
def test_a_corpus_names_its_study(corpus, name):
    assert study_name_of(corpus) == name


def test_migration_keeps_every_run_result(store_url):
    """Adding the study column must not rebuild ``runs`` (a rebuild cascades into its results)."""
    store = _old_store(store_url)
    store.upgrade()
    with store.session() as s:
        assert s.query(m.RunExcerpt).count() == 4 and s.query(m.SuggestionRow).count() == 1
    store.dispose()
