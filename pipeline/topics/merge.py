"""The ``merged`` topic policy: new excerpts get topics of their own, old topics stay put.

The semantics are those of ``BERTopic.merge_models([old, new], min_similarity)``: the old
model is the baseline and keeps every topic id and representation; a topic fitted on the new
excerpts alone whose embedding has a cosine of at least ``min_similarity`` to an old topic's
embedding joins that topic, and one below it is appended under the next free id. Done here
rather than through ``merge_models`` because the old topics' embeddings are recomputed from
today's vectors (centred over today's excerpts, as the new ones are; the saved ones were
centred over the old run and include HDBSCAN's outlier row), because a new cluster smaller
than a topic may be is dissolved rather than added, and because ``merge_models`` renumbers
nothing but also keeps no c-TF-IDF (neither does the model saved here).

Excerpts of the new fit that HDBSCAN left as outliers, or whose cluster was dissolved, go to
the nearest topic, old or new, by cosine, as ``reduce_outliers(strategy="embeddings")``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

import numpy as np

from pipeline.config import TopicsConfig
from pipeline.records import Excerpt, Topic, TopicAssignment
from pipeline.topics.model import SMALL, TopicResult, _build

MIN_NEW_EXCERPTS = SMALL
"""Fewer new excerpts than this cannot be clustered with UMAP; they are assigned (``extended``)."""


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.where(norms == 0, 1, norms)


def min_new_topic_size(cached: TopicResult, n_total: int, config: TopicsConfig) -> int:
    """The smallest cluster of new excerpts that may become a topic: the smallest topic the
    old fit allowed (so a week of interviews cannot add topics finer than the old ones), by
    the same rule as ``pipeline.topics.model`` when the old fit used k-means."""
    return int(cached.params.get("min_topic_size") or config.min_topic_size or min(40, max(5, n_total // 60)))


def fit_new_excerpts(docs: list[str], vectors: np.ndarray, config: TopicsConfig, size: int):
    """UMAP + HDBSCAN on the new excerpts alone; ``(model, labels, params)``.

    No outlier reassignment and no collapse guard: one cluster of a new theme among outliers
    is exactly what a week of interviews on old themes plus one new theme should give.
    """
    from bertopic import BERTopic

    reducer, _, vectorizer, ctfidf, params = _build(len(docs), config, "hdbscan")
    from hdbscan import HDBSCAN

    clusterer = HDBSCAN(min_cluster_size=size, min_samples=max(2, size // 2), metric="euclidean",
                        cluster_selection_method="leaf", prediction_data=True)
    params["min_topic_size"] = size
    model = BERTopic(umap_model=reducer, hdbscan_model=clusterer, vectorizer_model=vectorizer,
                     ctfidf_model=ctfidf, top_n_words=config.top_n_words, calculate_probabilities=False,
                     language="multilingual", verbose=False)
    labels = model.fit_transform(docs, embeddings=vectors)[0]
    return model, [int(x) for x in labels], params


def merge(cached: TopicResult, base_model_dir: Path | None, excerpts: Sequence[Excerpt], vectors: np.ndarray,
          config: TopicsConfig, min_similarity: float):
    """``(TopicResult, merged BERTopic model or None)``, or ``None`` when there are too few
    new excerpts to fit topics on (the caller then extends)."""
    known = {a.excerpt_id: a.topic_id for a in cached.assignments}
    new = [i for i, e in enumerate(excerpts) if e.id not in known]
    if len(new) < MIN_NEW_EXCERPTS:
        return None
    from pipeline.topics import jit_cache

    jit_cache.prepare()
    vectors = np.asarray(vectors, dtype=np.float32)
    old_ids = [t.topic_id for t in cached.topics]
    members = {t: [i for i, e in enumerate(excerpts) if known.get(e.id) == t] for t in old_ids}
    live = [t for t in old_ids if members[t]]  # an old topic none of today's excerpts is in has no centroid
    old_centroids = _unit(np.stack([vectors[members[t]].mean(axis=0) for t in live])) if live else (
        np.zeros((0, vectors.shape[1]), dtype=np.float32))

    new_vectors = vectors[new]
    floor = min_new_topic_size(cached, len(excerpts), config)
    model, labels, fit_params = fit_new_excerpts([excerpts[i].text for i in new], new_vectors, config,
                                                 min(floor, max(2, len(new) // 2)))
    labels_arr = np.asarray(labels)
    next_id = max(old_ids, default=-1) + 1
    target: dict[int, int | None] = {}  # cluster of the new fit -> topic id (None: dissolved)
    new_topics: dict[int, int] = {}  # new topic id -> cluster
    similarity: dict[int, float] = {}
    reference, reference_ids = old_centroids, list(live)
    by_size = sorted((c for c in set(labels) if c >= 0), key=lambda c: (-int(np.sum(labels_arr == c)), c))
    for cluster in by_size:  # largest first, each against the old topics and the new ones added so far
        centroid = _unit(new_vectors[labels_arr == cluster].mean(axis=0))
        sims = reference @ centroid
        best = int(np.argmax(sims)) if len(sims) else -1
        similarity[cluster] = round(float(sims[best]), 4) if best >= 0 else 0.0
        if best >= 0 and sims[best] >= min_similarity:
            target[cluster] = reference_ids[best]
        elif int(np.sum(labels_arr == cluster)) >= floor:
            target[cluster], new_topics[next_id] = next_id, cluster
            reference, reference_ids = np.vstack([reference, centroid[None]]), reference_ids + [next_id]
            next_id += 1
        else:
            target[cluster] = None

    assigned = dict(known)
    topic_of_new = np.array([target.get(c) if c >= 0 else None for c in labels], dtype=object)
    candidates = reference_ids
    all_centroids = reference
    for j, i in enumerate(new):
        t = topic_of_new[j]
        if t is None:  # an outlier of the new fit, or in a cluster too small to be a topic
            t = candidates[int(np.argmax(all_centroids @ new_vectors[j]))]
        assigned[excerpts[i].id] = int(t)

    assignments = tuple(TopicAssignment(e.id, assigned[e.id]) for e in excerpts)
    sizes: dict[int, int] = {}
    for a in assignments:
        sizes[a.topic_id] = sizes.get(a.topic_id, 0) + 1
    present = {e.id for e in excerpts}
    topics = [dataclasses.replace(t, size=sizes.get(t.topic_id, 0), new_in_run=False,
                                  representative_ids=tuple(r for r in t.representative_ids if r in present))
              for t in cached.topics]
    for topic_id, cluster in new_topics.items():
        words = tuple(w for w, _ in (model.get_topic(cluster) or []) if w)
        rows = np.asarray([i for i in range(len(excerpts)) if assigned[excerpts[i].id] == topic_id])
        centroid = vectors[rows].mean(axis=0)
        order = rows[np.argsort(-(vectors[rows] @ centroid), kind="stable")]
        topics.append(Topic(topic_id, ", ".join(words[:4]) if words else f"topic {topic_id}", words,
                            int(len(rows)), tuple(excerpts[i].id for i in order[:3]), new_in_run=True))
    params = {**cached.params, "reused": False, "policy": "merged", "new_excerpts": len(new),
              "known_excerpts": len(excerpts) - len(new), "n_topics": len(topics),
              "new_topics": sorted(new_topics),
              "merge": {"min_similarity": min_similarity, "min_new_topic_size": floor,
                        "clusters_in_new_excerpts": len(similarity),
                        "joined_existing": sum(1 for t in target.values() if t is not None and t < min(new_topics, default=next_id)),
                        "dissolved": sum(1 for t in target.values() if t is None),
                        "best_similarity": {str(c): s for c, s in similarity.items()},
                        "new_fit": fit_params}}
    result = TopicResult(tuple(topics), assignments, params)
    merged_model = _merged_model(base_model_dir, model, result, excerpts, vectors, new_topics)
    return result, merged_model


def _merged_model(base_model_dir: Path | None, new_model, result: TopicResult, excerpts, vectors, new_topics):
    """The base BERTopic model with the new topics appended (as ``merge_models`` builds it:
    representations and labels copied, topic embeddings the topics' centroids, no c-TF-IDF),
    so that ``topic_model/`` describes every topic of the run and ``transform`` reaches them."""
    if base_model_dir is None:
        return None
    from bertopic._bertopic import TopicMapper

    from pipeline.topics.cache import load_model

    model = load_model(base_model_dir)
    ids = sorted(t.topic_id for t in result.topics)
    if ids != list(range(len(ids))):  # BERTopic indexes topic embeddings by id
        return None
    topic_of = {a.excerpt_id: a.topic_id for a in result.assignments}
    labels = np.array([topic_of[e.id] for e in excerpts])
    base_embeddings, outliers = np.asarray(model.topic_embeddings_), model._outliers
    rows = []
    for t in ids:
        if np.any(labels == t):
            rows.append(vectors[labels == t].mean(axis=0))
        else:  # keep what the base model had for a topic no excerpt of today is in
            rows.append(base_embeddings[t + outliers])
    representations = {t: r for t, r in model.topic_representations_.items() if t >= 0}
    for topic_id, cluster in new_topics.items():
        representations[topic_id] = new_model.topic_representations_[cluster]
    model.topic_representations_ = representations  # BERTopic derives topic_labels_ from these
    model.topics_ = [int(x) for x in labels]
    model.topic_sizes_ = {t.topic_id: t.size for t in result.topics}  # no -1: no outlier row below
    model.topic_mapper_ = TopicMapper(ids)
    model.topic_embeddings_ = np.stack(rows).astype(np.float32)
    model.c_tf_idf_ = None
    model.custom_labels_ = None
    return model


__all__ = ["MIN_NEW_EXCERPTS", "fit_new_excerpts", "merge", "min_new_topic_size"]
