"""The ``merged`` topic policy: new excerpts get topics of their own, old topics keep their ids."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.config import TopicsConfig
from pipeline.records import Excerpt
from pipeline.topics import fit_topics, save_topic_model
from pipeline.topics.merge import merge
from tests.topics.test_topics import THEMES

NEW_THEME = "alveari api miele sciame apicoltura"


def excerpts_of(themes, prefix, rng, centres, n, noise=0.35):
    labels = rng.integers(0, len(themes), n)
    vectors = centres[labels] + noise * rng.normal(size=(n, centres.shape[1]))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    excerpts = [Excerpt(f"{prefix}{i}", "t", 0, 1, f"{themes[l]} parola{i % 11}", 0, "R", "it", None, None)
                for i, l in enumerate(labels)]
    return excerpts, vectors, labels


@pytest.mark.slow
def test_a_theme_only_new_excerpts_talk_about_becomes_a_new_topic_and_old_ids_stay(tmp_path):
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(len(THEMES) + 1, 48))
    old, old_vectors, _ = excerpts_of(THEMES, "old", rng, centres[:-1], 400)
    base, model = fit_topics(old, old_vectors, TopicsConfig())
    folder = save_topic_model(model, tmp_path / "base", "e@1")
    # a week of interviews: more talk about the old themes, and a theme the corpus never had
    again, again_vectors, _ = excerpts_of(THEMES, "again", rng, centres[:-1], 90)
    bees, bee_vectors, _ = excerpts_of([NEW_THEME], "bee", rng, centres[-1:], 40)
    everything = old + again + bees
    vectors = np.concatenate([old_vectors, again_vectors, bee_vectors])

    result, merged_model = merge(base, folder, everything, vectors, TopicsConfig(), 0.5)

    assert result.params["policy"] == "merged" and result.params["new_excerpts"] == 130
    old_ids = {t.topic_id for t in base.topics}
    kept = {t.topic_id: t for t in result.topics if t.topic_id in old_ids}
    assert {(t.topic_id, t.keywords) for t in kept.values()} == {(t.topic_id, t.keywords) for t in base.topics}
    assert not any(t.new_in_run for t in kept.values())
    topic_of = {a.excerpt_id: a.topic_id for a in result.assignments}
    assert all(topic_of[a.excerpt_id] == a.topic_id for a in base.assignments)  # old excerpts stay put
    new_topics = [t for t in result.topics if t.new_in_run]
    assert len(new_topics) == 1 and new_topics[0].topic_id == max(old_ids) + 1
    assert all(any(word in k for k in new_topics[0].keywords) for word in ("alveari", "miele"))
    assert sum(topic_of[e.id] == new_topics[0].topic_id for e in bees) >= 0.9 * len(bees)
    assert sum(topic_of[e.id] in old_ids for e in again) >= 0.9 * len(again)  # old themes join old topics
    assert result.params["new_topics"] == [new_topics[0].topic_id]
    # the saved model knows the new topic too, under the same id
    predicted, _ = merged_model.transform([e.text for e in bees[:5]], embeddings=bee_vectors[:5])
    assert set(predicted) == {new_topics[0].topic_id}


def test_too_few_new_excerpts_are_not_fitted(tmp_path):
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(len(THEMES), 48))
    old, vectors, _ = excerpts_of(THEMES, "old", rng, centres, 80)
    base, model = fit_topics(old, vectors, TopicsConfig())
    more, more_vectors, _ = excerpts_of(THEMES, "more", rng, centres, 10)
    assert merge(base, save_topic_model(model, tmp_path / "m", "e@1"), old + more,
                 np.concatenate([vectors, more_vectors]), TopicsConfig(), 0.5) is None
