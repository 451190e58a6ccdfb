"""Unchanged transcripts and their excerpts come from the store exactly as reading and
segmenting their files again would give them; anything that changes them is read again."""

from __future__ import annotations

import shutil

from pipeline.config import SegmentConfig
from pipeline.ingest import PseudonymKey, ingest_corpus
from pipeline.segment import GuideLinker, segment_transcript, segmentation_key
from pipeline.store.db import Store
from pipeline.store.repository import Repository
from tests.conftest import DEMO


def _ingest(repo: Repository, corpus, *, reuse: bool = True):
    key = PseudonymKey.from_entries(repo.pseudonym_entries())
    result = ingest_corpus(corpus, key=key, stored=repo.stored_transcripts if reuse else None)
    repo.add_pseudonyms(key.entries())
    repo.save_transcripts([t for t in result.transcripts if t.id not in result.reused], result.ingest_keys)
    return result


def test_stored_transcripts_and_excerpts_equal_a_fresh_reading(store_url):
    repo = Repository(Store(store_url))
    first = _ingest(repo, DEMO)
    assert first.reused == frozenset() and first.ingest_keys
    again = _ingest(repo, DEMO)
    fresh = _ingest(repo, DEMO, reuse=False)  # the same files read again, as before this change
    from_files = {t.id for t in again.transcripts} - {t.id for t in again.transcripts if t.id in again.reused}
    assert again.reused == frozenset(first.ingest_keys)  # every file (not the survey respondents)
    assert all(t.source_type == "survey" for t in again.transcripts if t.id in from_files)
    assert again.transcripts == fresh.transcripts  # dataclass equality: text, turns, meta, paths

    linker = GuideLinker(first.guide)
    config = SegmentConfig()
    keys = {t.id: segmentation_key(t, config, first.guide) for t in again.transcripts}
    segmented = {t.id: segment_transcript(t, config, linker) for t in fresh.transcripts}
    repo.save_excerpts([e for part in segmented.values() for e in part])
    assert repo.stored_excerpts(keys) == {}  # nothing remembered yet
    repo.remember_segmentation({i: (keys[i], [e.id for e in part]) for i, part in segmented.items()})
    stored = repo.stored_excerpts(keys)
    assert set(stored) == set(first.ingest_keys)
    assert all(stored[i] == segmented[i] for i in stored)
    other = {i: segmentation_key(t, SegmentConfig(target_chars=300), first.guide)
             for i, t in zip(keys, again.transcripts)}
    assert repo.stored_excerpts(other) == {}  # another segmentation config: segment again


def test_a_changed_file_or_manifest_row_is_read_again(store_url, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(DEMO, corpus)
    repo = Repository(Store(store_url))
    first = _ingest(repo, corpus)
    txt = corpus / "BO-01_associazione.txt"
    txt.write_bytes(txt.read_bytes() + b"\r\nIntervistatrice: Grazie mille.\r\n")  # the file is cp1252
    changed = _ingest(repo, corpus)
    assert set(first.ingest_keys) - changed.reused == {"BO-01"}
    fresh = _ingest(repo, corpus, reuse=False)
    assert changed.transcripts == fresh.transcripts
    manifest = corpus / "manifest.csv"
    rows = manifest.read_text(encoding="utf-8").splitlines()
    manifest.write_text("\n".join(r.replace(",Bologna,", ",Bologna (BO),") if r.startswith("BO-02") else r
                                  for r in rows) + "\n", encoding="utf-8")
    again = _ingest(repo, corpus)
    assert set(first.ingest_keys) - again.reused == {"BO-02"}
    assert next(t for t in again.transcripts if t.id == "BO-02").meta.city == "Bologna (BO)"
    assert _ingest(repo, corpus).transcripts == _ingest(repo, corpus, reuse=False).transcripts


def test_a_transcript_another_writer_replaced_is_read_again(store_url):
    import dataclasses

    from pipeline.store.repository import write_transcripts

    repo = Repository(Store(store_url))
    first = _ingest(repo, DEMO)
    original = next(t for t in first.transcripts if t.id == "BO-01")
    other = dataclasses.replace(original, text=original.text + "X", source_sha256="0" * 64)
    with repo.store.transaction() as s:  # e.g. a project imported under the same id
        write_transcripts(s, [other])
    again = _ingest(repo, DEMO)
    assert "BO-01" not in again.reused and next(t for t in again.transcripts if t.id == "BO-01") == original
    assert "BO-01" in _ingest(repo, DEMO).reused
