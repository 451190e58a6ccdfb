"""Incremental and crash-safe runs: kill -9 mid-run and resume, add a transcript, two runs at once.

Runs that must die use a subprocess of the real CLI with ``QUALFLOW_KILL_AT`` (see
``pipeline.faults``) so that they are killed with SIGKILL at an exact stage. They use the
hashing embedder: the behaviour under test is the store's and the runner's, not the model's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.store import models as m
from pipeline.store.db import Store
from tests.conftest import DEMO, REPO

pytestmark = pytest.mark.slow

BASE_FILES = ["BO-01_associazione.txt", "BU-02_onkormanyzat.txt", "EN-01_expat_parent.txt", "KO-02_stad.docx",
              "TH-02_dimos.odt", "BO-02_comune.docx"]
NEW_FILE = "EN-02_company_hr.vtt"


@pytest.fixture
def setup(prefect_server, tmp_path):
    from prefect.settings import PREFECT_API_URL

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in BASE_FILES:
        shutil.copy(DEMO / name, corpus / name)
    config = tmp_path / "run.toml"
    config.write_text(f'[embed]\nruntime = "hashing"\n[output]\ndir = "{tmp_path / "outputs"}"\n', encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    env = {**os.environ, "QUALFLOW_DATABASE_URL": url, "PREFECT_API_URL": PREFECT_API_URL.value(),
           "PYTHONPATH": str(REPO)}
    return corpus, config, url, env, tmp_path


def cli_run(corpus, config, env, run_id, *extra, kill_at=None) -> subprocess.CompletedProcess:
    env = dict(env)
    if kill_at:
        env["QUALFLOW_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, "-m", "qualflow_cli", "run", str(corpus), "--config", str(config),
                           "--run-id", run_id, *extra], env=env, capture_output=True, text=True, timeout=600)


def stderr_of(**processes: subprocess.CompletedProcess) -> str:
    """Each process's exit code and whole stderr, for a failure message (the cause is often at the top)."""
    return "\n".join(f"--- {name} exited {p.returncode}; its stderr:\n{p.stderr}" for name, p in processes.items())


def run_json(tmp_path: Path, run_id: str) -> dict:
    return json.loads((tmp_path / "outputs" / run_id / "run.json").read_text(encoding="utf-8"))


def counts(url: str) -> dict[str, int]:
    with Store(url).session() as s:
        return {t.__tablename__: s.execute(select(func.count()).select_from(t)).scalar()
                for t in (m.TranscriptRow, m.TurnRow, m.ExcerptRow, m.EmbeddingRow, m.PseudonymRow)}


@pytest.mark.parametrize("point", ["embedded", "mapped"])
def test_killed_run_resumes_from_finished_work_without_duplicates_or_orphans(setup, point):
    corpus, config, url, env, tmp = setup
    killed = cli_run(corpus, config, env, "killed", kill_at=point)
    assert killed.returncode == -9, stderr_of(killed=killed)
    before = counts(url)
    assert before["embeddings"] > 0  # the finished work (cached vectors) survived the crash

    resumed = cli_run(corpus, config, env, "resumed")
    assert resumed.returncode == 0, stderr_of(resumed=resumed)
    run = run_json(tmp, "resumed")
    assert run["embedding_cache"]["cache_hits"] > 0
    if point == "mapped":  # everything up to mapping was done: nothing is embedded or fitted again
        assert run["embedding_cache"]["embedded"] == 0 and run["topic_model"]["policy"] == "reused"
    after = counts(url)
    assert after["transcripts"] == before["transcripts"] == len(BASE_FILES)
    with Store(url).session() as s:
        assert s.get(m.Run, "killed").status == "abandoned"
        for table in (m.SuggestionRow, m.RunExcerpt, m.TopicRow):
            assert s.execute(select(func.count()).select_from(table).where(table.run_id == "killed")).scalar() == 0
        excerpt_ids = s.scalars(select(m.RunExcerpt.excerpt_id).where(m.RunExcerpt.run_id == "resumed")).all()
        assert len(excerpt_ids) == len(set(excerpt_ids)) == after["excerpts"]
        # no orphans: every turn and excerpt belongs to a stored transcript
        known = set(s.scalars(select(m.TranscriptRow.id)))
        assert set(s.scalars(select(m.ExcerptRow.transcript_id))) <= known
        assert set(s.scalars(select(m.TurnRow.transcript_id))) <= known
    assert not list((tmp / "outputs").glob(".*partial"))


def test_adding_a_transcript_embeds_only_new_excerpts_and_keeps_ids_and_decisions(setup):
    corpus, config, url, env, tmp = setup
    week1 = cli_run(corpus, config, env, "week1")
    assert week1.returncode == 0, stderr_of(week1=week1)
    first = run_json(tmp, "week1")
    store = Store(url)
    with store.transaction() as s:  # a coder accepted a suggestion after week 1
        coder = m.User(username="ana", role="coder")
        s.add(coder)
        s.flush()
        suggestion = s.scalars(select(m.SuggestionRow).where(m.SuggestionRow.run_id == "week1")).first()
        s.add(m.Decision(run_id="week1", excerpt_id=suggestion.excerpt_id, suggestion_id=suggestion.id,
                         user_id=coder.id, action="accept", codes=[suggestion.code]))
        decided = suggestion.excerpt_id

    shutil.copy(DEMO / NEW_FILE, corpus / NEW_FILE)
    done = cli_run(corpus, config, env, "week2")
    assert done.returncode == 0, stderr_of(week2=done)
    second = run_json(tmp, "week2")
    new_excerpts = second["counts"]["excerpts"] - first["counts"]["excerpts"]
    assert new_excerpts > 0
    assert second["embedding_cache"]["embedded"] <= new_excerpts  # only new text (duplicates count once)
    # too few new excerpts to fit topics on: they are assigned to the old ones
    assert second["topic_model"]["policy"] == "extended" and second["topic_model"]["new_excerpts"] == new_excerpts
    assert second["topic_model"]["why_not_merged"]
    # only the new interview was read and segmented; the others came from the store
    assert first["reuse"] == {"transcripts_read": len(BASE_FILES), "transcripts_from_store": 0,
                              "transcripts_segmented": len(BASE_FILES), "excerpts_from_store": 0}
    assert second["reuse"] == {"transcripts_read": 1, "transcripts_from_store": len(BASE_FILES),
                               "transcripts_segmented": 1, "excerpts_from_store": first["counts"]["excerpts"]}
    # and the run codes exactly what reading and segmenting every file again gives
    reread_config = tmp / "reread.toml"
    reread_config.write_text(config.read_text(encoding="utf-8") + "[ingest]\nreuse = false\n", encoding="utf-8")
    reread = cli_run(corpus, reread_config, env, "reread")
    assert reread.returncode == 0, stderr_of(reread=reread)
    assert run_json(tmp, "reread")["reuse"]["transcripts_read"] == len(BASE_FILES) + 1
    coded = "coded_excerpts.csv"
    assert (tmp / "outputs" / "reread" / coded).read_bytes() == (tmp / "outputs" / "week2" / coded).read_bytes()
    with store.session() as s:
        week1 = set(s.scalars(select(m.RunExcerpt.excerpt_id).where(m.RunExcerpt.run_id == "week1")))
        week2 = set(s.scalars(select(m.RunExcerpt.excerpt_id).where(m.RunExcerpt.run_id == "week2")))
        assert week1 < week2 and decided in week2  # unchanged excerpts keep their ids, and so their decisions
        assert s.scalars(select(m.Decision.excerpt_id)).all() == [decided]

    refit = cli_run(corpus, config, env, "refit", "--refit")
    assert refit.returncode == 0, stderr_of(refit=refit)
    assert run_json(tmp, "refit")["topic_model"]["policy"] == "refit"


def test_interviews_on_a_theme_the_corpus_never_had_surface_as_a_new_topic_and_old_ids_stay(setup):
    from app.themes import emergent_themes
    from tests.topics.new_theme import beekeeping_answers

    corpus, config, url, env, tmp = setup
    week1 = cli_run(corpus, config, env, "week1")
    assert week1.returncode == 0, stderr_of(week1=week1)
    first = run_json(tmp, "week1")
    store = Store(url)
    with store.transaction() as s:  # a coder named an emergent theme in the app after week 1
        named = s.scalars(select(m.TopicRow).where(m.TopicRow.run_id == "week1").order_by(m.TopicRow.topic_id)).first()
        named.name = "Trust between parents"
        old_topics = {t.topic_id: list(t.keywords) for t in s.scalars(select(m.TopicRow)
                                                                      .where(m.TopicRow.run_id == "week1"))}
        old_assignment = dict(s.execute(select(m.RunExcerpt.excerpt_id, m.RunExcerpt.topic_id)
                                        .where(m.RunExcerpt.run_id == "week1")).all())

    lines = []
    for answer in beekeeping_answers(80):
        lines += ["Interviewer: And what else happened with the bees this year, tell me more?", "",
                  f"Respondent: {answer}", ""]
    (corpus / "EN-09_beekeeper.txt").write_text("\n".join(lines), encoding="utf-8")
    week2 = cli_run(corpus, config, env, "week2")
    assert week2.returncode == 0, stderr_of(week2=week2)
    second = run_json(tmp, "week2")
    assert second["topic_model"]["policy"] == "merged", second["topic_model"]
    new = second["topic_model"]["new_in_this_run"]
    assert len(new) >= 1 and all(t["topic_id"] > max(old_topics) for t in new)
    assert any(any(w in k for k in t["keywords"] for w in ("bee", "honey", "hive")) for t in new)
    assert second["counts"]["new_topics"] == len(new) and "new in this run" in (
        tmp / "outputs" / "week2" / "report.html").read_text(encoding="utf-8")
    with store.session() as s:
        rows = {t.topic_id: t for t in s.scalars(select(m.TopicRow).where(m.TopicRow.run_id == "week2"))}
        assert all(list(rows[i].keywords) == kw and not rows[i].new_in_run for i, kw in old_topics.items())
        assert rows[named.topic_id].name == "Trust between parents"  # the coder's name stays with the topic
        now = dict(s.execute(select(m.RunExcerpt.excerpt_id, m.RunExcerpt.topic_id)
                             .where(m.RunExcerpt.run_id == "week2")).all())
        assert all(now[e] == t for e, t in old_assignment.items())  # old excerpts keep their topics
        bee_topics = [now[e.id] for e in s.scalars(select(m.ExcerptRow)
                                                    .where(m.ExcerptRow.transcript_id == "en-09-beekeeper"))]
        assert bee_topics and sum(t in {x["topic_id"] for x in new} for t in bee_topics) >= 0.8 * len(bee_topics)
    page = {t["topic_id"]: t for t in emergent_themes(store, "week2")}
    assert all(page[t["topic_id"]]["new_in_run"] for t in new if t["emergent"])

    refit = cli_run(corpus, config, env, "refit", "--refit")
    assert refit.returncode == 0, stderr_of(refit=refit)
    again = run_json(tmp, "refit")
    assert again["topic_model"]["policy"] == "refit" and again["topic_model"]["new_in_this_run"] == []
    assert first["topic_model"]["policy"] == "refit"


def test_two_runs_started_at_once_on_one_store_both_finish_cleanly(setup):
    corpus, config, url, env, tmp = setup
    procs = [subprocess.Popen([sys.executable, "-m", "qualflow_cli", "run", str(corpus), "--config", str(config),
                               "--run-id", name], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in ("left", "right")]
    outputs = [p.communicate(timeout=600) for p in procs]
    results = [subprocess.CompletedProcess(p.args, p.returncode, out, err) for p, (out, err) in zip(procs, outputs)]
    assert [r.returncode for r in results] == [0, 0], stderr_of(left=results[0], right=results[1])
    assert counts(url)["transcripts"] == len(BASE_FILES)
    with Store(url).session() as s:
        assert {r.status for r in s.scalars(select(m.Run))} == {"completed"}
        for run_id in ("left", "right"):
            n = s.execute(select(func.count()).select_from(m.RunExcerpt).where(m.RunExcerpt.run_id == run_id)).scalar()
            assert n == run_json(tmp, run_id)["counts"]["excerpts"]
