"""The store on SQLite and on a real PostgreSQL server: migrations, caches, transactions, locking."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm.exc import StaleDataError

from pipeline.codebook import codebook_to_dict, default_codebook_path, load_codebook
from pipeline.records import CategoryScore, ExcerptCoding, Quarantined, Suggestion, Topic, TopicAssignment
from pipeline.segment import segment_transcript
from pipeline.store import models as m
from pipeline.store.db import Store
from pipeline.store.repository import Repository
from tests.factories import make_transcript

TRANSCRIPT = make_transcript("BO-01", [
    ("Intervistatrice", "interviewer", "Quali difficoltà avete incontrato?"),
    ("Genitore", "respondent", "Partecipare ai bandi pubblici è difficile per una piccola associazione. "
                               "La rendicontazione richiede tempo che non abbiamo."),
])


def test_migrations_create_the_schema_and_reopening_is_idempotent(store_url):
    store = Store(store_url)
    tables = set(inspect(store.engine).get_table_names())
    assert {"runs", "transcripts", "turns", "excerpts", "embeddings", "suggestions", "decisions", "users",
            "memos", "signoffs", "audit_log", "pseudonym_key"} <= tables
    Store(store_url)  # a second open migrates nothing and fails nothing
    with store.session() as s:
        assert s.execute(select(func.count()).select_from(m.Run)).scalar() == 0


def test_transcripts_and_excerpts_are_saved_once(store_url):
    repo = Repository(Store(store_url))
    repo.save_transcripts([TRANSCRIPT])
    repo.save_transcripts([TRANSCRIPT])
    excerpts = segment_transcript(TRANSCRIPT)
    assert repo.save_excerpts(excerpts) == len(excerpts) > 0
    assert repo.save_excerpts(excerpts) == 0
    with repo.store.session() as s:
        assert s.execute(select(func.count()).select_from(m.TurnRow)).scalar() == 2
        row = s.get(m.TranscriptRow, "BO-01")
        assert row.text == TRANSCRIPT.text
        stored = s.get(m.ExcerptRow, excerpts[0].id)
        assert row.text[stored.start:stored.end] == stored.text


def test_embedding_cache_round_trips_float32_exactly(store_url):
    repo = Repository(Store(store_url))
    rng = np.random.default_rng(1)
    vectors = {f"{i:064x}": rng.normal(size=8).astype(np.float32) for i in range(3)}
    repo.put_vectors("model@1", vectors)
    repo.put_vectors("model@1", vectors)  # a second put of the same keys is not an error
    got = repo.get_vectors("model@1", list(vectors) + ["f" * 64])
    assert set(got) == set(vectors)
    for k, v in vectors.items():
        assert np.array_equal(got[k], v)
    assert repo.get_vectors("other-model@1", list(vectors)) == {}


def _results(excerpt_id: str):
    coding = ExcerptCoding(excerpt_id, (CategoryScore("funding_calls", 0.9),),
                           (Suggestion(excerpt_id, "funding_calls", 0.9, "close to a funding example", 1),))
    topic = Topic(0, "bandi, rendicontazione", ("bandi",), 1, (excerpt_id,), ("funding_calls",))
    return dict(codings=[coding], assignments=[TopicAssignment(excerpt_id, 0)], topics=[topic],
                quarantined=[Quarantined("bad.docx", "not a zip file")])


def test_run_results_are_written_in_one_transaction(store_url):
    repo = Repository(Store(store_url))
    repo.save_transcripts([TRANSCRIPT])
    excerpts = segment_transcript(TRANSCRIPT)
    repo.save_excerpts(excerpts)
    repo.create_run("r1", "corpus", {})
    repo.save_run_results("r1", **_results(excerpts[0].id))
    with repo.store.session() as s:
        assert s.execute(select(func.count()).select_from(m.SuggestionRow)).scalar() == 1

    # a result that points at an excerpt the store does not have violates a foreign key:
    # nothing of that write may remain, and the earlier results must survive untouched
    with pytest.raises(Exception):
        repo.save_run_results("r1", **_results("no-such-excerpt"))
    with repo.store.session() as s:
        assert s.execute(select(func.count()).select_from(m.TopicRow)).scalar() == 1
        assert s.scalars(select(m.SuggestionRow.excerpt_id)).all() == [excerpts[0].id]
        assert s.execute(select(func.count()).select_from(m.QuarantineRow)).scalar() == 1


def test_concurrent_change_of_one_suggestion_is_a_conflict_not_an_overwrite(store_url):
    repo = Repository(Store(store_url))
    repo.save_transcripts([TRANSCRIPT])
    excerpts = segment_transcript(TRANSCRIPT)
    repo.save_excerpts(excerpts)
    repo.create_run("r1", "corpus", {})
    repo.save_run_results("r1", **_results(excerpts[0].id))
    first, second = repo.store.session(), repo.store.session()
    a = first.scalars(select(m.SuggestionRow)).one()
    b = second.scalars(select(m.SuggestionRow)).one()
    a.status = "accepted"
    first.commit()
    b.status = "rejected"
    with pytest.raises(StaleDataError):
        second.commit()
    second.rollback()
    with repo.store.session() as s:
        row = s.scalars(select(m.SuggestionRow)).one()
        assert (row.status, row.version) == ("accepted", 2)
    first.close()
    second.close()


def test_pseudonym_key_is_kept_in_its_own_table(store_url):
    repo = Repository(Store(store_url))
    assert repo.add_pseudonyms([("PERSON", "Anna Rossi", "[PERSON-1]")]) == 1
    assert repo.add_pseudonyms([("PERSON", "Anna Rossi", "[PERSON-1]"), ("EMAIL", "a@b.it", "[EMAIL-1]")]) == 1
    assert sorted(repo.pseudonym_entries()) == [("EMAIL", "a@b.it", "[EMAIL-1]"), ("PERSON", "Anna Rossi", "[PERSON-1]")]
    # a name part shares its full name's pseudonym
    assert repo.add_pseudonyms([("PERSON", "Anna", "[PERSON-1]")]) == 1


def test_two_writers_saving_the_same_rows_at_once_neither_fail_nor_duplicate(store_url):
    import threading

    Store(store_url)  # migrate once
    excerpts = segment_transcript(TRANSCRIPT)
    vectors = {f"{i:064x}": np.full(4, i, dtype=np.float32) for i in range(300)}
    barrier, errors = threading.Barrier(2, timeout=60), []

    codebook = load_codebook(default_codebook_path())

    def writer():
        try:
            repo = Repository(Store(store_url))
            barrier.wait()
            repo.save_codebook(codebook, codebook_to_dict(codebook))
            repo.save_transcripts([TRANSCRIPT])
            repo.save_excerpts(excerpts)
            repo.put_vectors("model@1", vectors)
            repo.add_pseudonyms([("PERSON", "Anna Rossi", "[PERSON-1]")])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store(store_url).session() as s:
        count = lambda model: s.execute(select(func.count()).select_from(model)).scalar()
        assert (count(m.TranscriptRow), count(m.TurnRow), count(m.ExcerptRow)) == (1, 2, len(excerpts))
        assert count(m.EmbeddingRow) == 300 and count(m.PseudonymRow) == 1
        assert count(m.CodebookRow) == 1 and count(m.CodeRow) == len(codebook.codes)


def _open_and_save_codebook(url: str, barrier, errors) -> None:
    """One process of the test below: open the store when all are ready, then save the codebook."""
    import traceback

    try:
        codebook = load_codebook(default_codebook_path())
        barrier.wait()
        Repository(Store(url)).save_codebook(codebook, codebook_to_dict(codebook))
    except BaseException:
        errors.put(traceback.format_exc())


def test_processes_opening_a_fresh_store_at_once_migrate_it_once_without_error(store_url):
    # Processes, not threads: within one process a lock already keeps Alembic to one thread.
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    barrier, errors = context.Barrier(3, timeout=120), context.Queue()
    processes = [context.Process(target=_open_and_save_codebook, args=(store_url, barrier, errors)) for _ in range(3)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=300)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert failures == [] and [p.exitcode for p in processes] == [0, 0, 0], "\n".join(failures)
    with Store(store_url).session() as s:
        assert s.execute(select(func.count()).select_from(m.CodebookRow)).scalar() == 1
