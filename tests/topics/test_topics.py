from __future__ import annotations

import numpy as np
import pytest

from pipeline.config import TopicsConfig
from pipeline.records import Excerpt
from pipeline.topics import fit_topics, save_topic_model

THEMES = [
    "bando pubblico fondi associazione rendicontazione", "fiducia genitori sconosciuti sicurezza bambini",
    "regole chiare comune patto collaborazione", "smartphone nonni applicazione esclusi",
    "giardino giochi merenda pomeriggio", "orari lavoro turni ufficio",
]


def corpus(n, seed=0, dim=48):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(THEMES), dim))
    labels = rng.integers(0, len(THEMES), n)
    vectors = centres[labels] + 0.35 * rng.normal(size=(n, dim))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    excerpts = [Excerpt(f"e{i}", "t", 0, 1, f"{THEMES[l]} parola{i % 11}", 0, "R", "it", None, None)
                for i, l in enumerate(labels)]
    return excerpts, vectors, labels


@pytest.mark.parametrize("n", [0, 1, 3, 5, 12])
def test_tiny_corpora_do_not_crash(n):
    excerpts, vectors, _ = corpus(n)
    result, _ = fit_topics(excerpts, vectors)
    assert sum(t.size for t in result.topics) == n
    assert len(result.assignments) == n


@pytest.mark.slow
@pytest.mark.parametrize("n", [150, 600])
def test_topics_recover_themes_without_collapsing_and_are_deterministic(n):
    excerpts, vectors, labels = corpus(n)
    result, model = fit_topics(excerpts, vectors, TopicsConfig())
    sizes = sorted((t.size for t in result.topics), reverse=True)
    assert len(sizes) >= 4 and sizes[0] <= 0.5 * n
    # each discovered topic is dominated by one planted theme (purity)
    found = np.array([a.topic_id for a in result.assignments])
    purity = sum(np.bincount(labels[found == t]).max() for t in set(found)) / n
    assert purity > 0.9
    again, _ = fit_topics(excerpts, vectors, TopicsConfig())
    assert [a.topic_id for a in again.assignments] == list(found)
    assert all(t.keywords for t in result.topics)
    assert all(set(t.representative_ids) <= {e.id for e in excerpts} for t in result.topics)


@pytest.mark.slow
def test_fitted_model_is_saved_with_safetensors(tmp_path):
    excerpts, vectors, _ = corpus(80)
    _, model = fit_topics(excerpts, vectors)
    folder = save_topic_model(model, tmp_path / "topic_model", "test-embedder@1")
    assert (folder / "topic_embeddings.safetensors").exists()
    assert not list(folder.glob("*.pkl")) and not list(folder.glob("*.pickle"))


def test_topic_cache_keeps_the_first_entry_when_two_runs_store_the_same_key(tmp_path):
    from pipeline.topics import cache

    excerpts, vectors, _ = corpus(12)
    result, model = fit_topics(excerpts, vectors)
    first = cache.store(tmp_path, "k", result, model, "e@1")
    marker = first / "kept.txt"
    marker.write_text("first writer")
    second = cache.store(tmp_path, "k", result, model, "e@1")
    assert second == first and marker.exists()  # not deleted and rewritten under a reader's feet
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folders left
    loaded, folder = cache.load(tmp_path, "k")
    assert [a.topic_id for a in loaded.assignments] == [a.topic_id for a in result.assignments]


def test_keywords_keep_greek_and_accented_letters():
    rng = np.random.default_rng(3)
    words = ["εμπιστοσύνη γονείς παιδιά", "világos szabályok önkormányzat", "perché bambini comune", "één ouders stad"]
    centres = rng.normal(size=(4, 32))
    labels = np.repeat(np.arange(4), 20)
    vectors = centres[labels] + 0.2 * rng.normal(size=(80, 32))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    excerpts = [Excerpt(f"e{i}", "t", 0, 1, words[l], 0, "R", None, None, None) for i, l in enumerate(labels)]
    result, _ = fit_topics(excerpts, vectors)
    keywords = {k for t in result.topics for k in t.keywords}
    assert {"εμπιστοσύνη", "világos", "önkormányzat", "bambini"} <= keywords
