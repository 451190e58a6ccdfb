"""BERTopic on precomputed excerpt embeddings, with parameters that adapt to corpus size.

Why not BERTopic's defaults: on ~3,000 real interview turns they gave 3 topics, because
HDBSCAN's "excess of mass" selection prefers a few huge clusters on interview talk, which
is one long conversation about one subject. Here:
- fewer than ``SMALL`` excerpts: PCA + k-means (UMAP needs more neighbours than there are points);
- otherwise UMAP (cosine, 5 dimensions, fixed seed) + HDBSCAN with ``leaf`` selection and a
  minimum cluster size that grows with the corpus; outliers are then assigned to their
  nearest topic by embedding;
- a collapse guard: if HDBSCAN still finds fewer than 3 topics, or one topic holds more than
  half of the corpus, k-means with k ≈ sqrt(n/2) replaces it;
- the vectorizer knows the stop words of all five languages plus interview fillers, and
  ``min_df=1`` because BERTopic applies it to whole topics, not excerpts.
Everything is seeded, so the same embeddings give the same topics.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from pipeline.config import TopicsConfig
from pipeline.records import Excerpt, Topic, TopicAssignment

SMALL = 60
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"
"""Topic keywords: words of three letters or more, no digits."""
FILLERS = {
    "eh", "ehm", "uhm", "mh", "mhm", "hmm", "yeah", "okay", "ok", "yes", "sì", "si", "cioè", "insomma", "allora",
    "tipo", "ecco", "beh", "boh", "igen", "hát", "szóval", "tehát", "nai", "ναι", "λοιπόν", "δηλαδή", "εεε", "ja",
    "nee", "euh", "awel", "allez", "zo", "person", "email", "phone", "url", "really", "think", "know", "like",
}


@lru_cache(maxsize=1)
def multilingual_stop_words() -> tuple[str, ...]:
    import spacy

    words: set[str] = set(FILLERS)
    for lang in ("it", "hu", "el", "nl", "en"):
        words |= {w.lower() for w in spacy.blank(lang).Defaults.stop_words}
    # the vectorizer compares tokens, and stop words like "nient'" or "stb." tokenize differently
    words |= {token for w in list(words) for token in re.findall(TOKEN_PATTERN, w)}
    return tuple(sorted(words))


LANGUAGE_MIN_GROUP = 1
"""Topics are fitted on vectors centred per language (``pipeline.embed.centre``), each
language by its own mean however few its excerpts (the mappers fall back to the overall
mean below 5)."""


@dataclass(frozen=True)
class TopicResult:
    topics: tuple[Topic, ...]
    assignments: tuple[TopicAssignment, ...]
    params: dict = field(default_factory=dict)
    """The parameters actually used (for run.json)."""


def _kmeans_k(n: int, max_topics: int) -> int:
    return int(max(1, min(max_topics, n, round(math.sqrt(n / 2)))))


def _build(n: int, config: TopicsConfig, kind: str):
    """The BERTopic sub-models for ``n`` excerpts and a clusterer ``kind`` (hdbscan|kmeans)."""
    from bertopic.vectorizers import ClassTfidfTransformer
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.feature_extraction.text import CountVectorizer

    params: dict = {"n_excerpts": n, "clusterer": kind}
    if n < SMALL:
        reducer = PCA(n_components=max(1, min(5, n - 1)), random_state=config.seed)
        params["reducer"] = f"pca({reducer.n_components})"
    else:
        from umap import UMAP

        neighbours = int(min(30, max(5, round(math.sqrt(n)))))
        reducer = UMAP(n_neighbors=neighbours, n_components=5, min_dist=0.0, metric="cosine",
                       random_state=config.seed, low_memory=True)
        params["reducer"] = f"umap(n_neighbors={neighbours}, n_components=5)"
    if kind == "hdbscan":
        from hdbscan import HDBSCAN

        size = config.min_topic_size or int(min(40, max(5, n // 60)))
        clusterer = HDBSCAN(min_cluster_size=size, min_samples=max(2, size // 2), metric="euclidean",
                            cluster_selection_method="leaf", prediction_data=True)
        params["min_topic_size"] = size
    else:
        k = _kmeans_k(n, config.max_topics)
        clusterer = KMeans(n_clusters=k, n_init=10, random_state=config.seed)
        params["k"] = k
    vectorizer = CountVectorizer(stop_words=list(multilingual_stop_words()), ngram_range=(1, 2), min_df=1,
                                 token_pattern=TOKEN_PATTERN)
    return reducer, clusterer, vectorizer, ClassTfidfTransformer(reduce_frequent_words=True), params


def _fit(docs: list[str], embeddings: np.ndarray, config: TopicsConfig, kind: str):
    from bertopic import BERTopic

    reducer, clusterer, vectorizer, ctfidf, params = _build(len(docs), config, kind)
    # language="multilingual": with BERTopic's default ("english") every non-ASCII character is
    # deleted before the keywords are computed: no Greek keywords at all, "világos" -> "vilgos".
    # (With precomputed embeddings and no embedding model, the language loads no model.)
    model = BERTopic(umap_model=reducer, hdbscan_model=clusterer, vectorizer_model=vectorizer,
                     ctfidf_model=ctfidf, top_n_words=config.top_n_words, calculate_probabilities=False,
                     language="multilingual", verbose=False)
    labels = model.fit_transform(docs, embeddings=embeddings)[0]
    if kind == "hdbscan" and -1 in labels and len(set(labels)) > 1:
        labels = model.reduce_outliers(docs, labels, strategy="embeddings", embeddings=embeddings)
        model.update_topics(docs, topics=labels, vectorizer_model=vectorizer, ctfidf_model=ctfidf,
                            top_n_words=config.top_n_words)
        params["outliers_reassigned"] = True
    return model, list(labels), params


def _collapsed(labels: list[int]) -> bool:
    counts = np.bincount(np.asarray([x for x in labels if x >= 0], dtype=int)) if labels else np.array([])
    real = counts[counts > 0]
    return len(real) < 3 or real.max() > 0.5 * len(labels)


def fit_topics(excerpts: Sequence[Excerpt], embeddings: np.ndarray, config: TopicsConfig = TopicsConfig()):
    """Fit a topic model; return ``(TopicResult, model)`` (the model is ``None`` for tiny corpora)."""
    from pipeline.topics import jit_cache

    jit_cache.prepare()
    docs = [e.text for e in excerpts]
    n = len(docs)
    if n < 4:  # nothing to cluster: one topic holding everything (or nothing)
        ids = tuple(e.id for e in excerpts)
        topics = (Topic(0, "all excerpts", (), n, ids[:3]),) if n else ()
        return TopicResult(topics, tuple(TopicAssignment(i, 0) for i in ids), {"n_excerpts": n, "clusterer": "none"}), None

    kind = config.clusterer
    if kind == "auto":
        kind = "hdbscan" if n >= 300 else "kmeans"
    model, labels, params = _fit(docs, embeddings, config, kind)
    if kind == "hdbscan" and _collapsed(labels):
        params_before = dict(params)
        model, labels, params = _fit(docs, embeddings, config, "kmeans")
        params["fallback_from"] = params_before
    params["n_topics"] = len({x for x in labels if x >= 0})
    return _describe(model, excerpts, embeddings, labels, params), model


def _describe(model, excerpts, embeddings, labels, params) -> TopicResult:
    labels_arr = np.asarray(labels)
    topics = []
    for topic_id in sorted(set(labels)):
        members = np.flatnonzero(labels_arr == topic_id)
        words = tuple(w for w, _ in (model.get_topic(topic_id) or []) if w)
        centroid = embeddings[members].mean(axis=0)
        order = members[np.argsort(-(embeddings[members] @ centroid), kind="stable")]
        label = ", ".join(words[:4]) if words else f"topic {topic_id}"
        topics.append(Topic(int(topic_id), label, words, int(len(members)),
                            tuple(excerpts[i].id for i in order[:3])))
    assignments = tuple(TopicAssignment(e.id, int(t)) for e, t in zip(excerpts, labels))
    return TopicResult(tuple(topics), assignments, params)


def save_topic_model(model, folder: Path, embedder_id: str) -> Path | None:
    """Save the fitted model with safetensors (no pickles); ``None`` when there was no model."""
    if model is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    # a merged model has no c-TF-IDF (as with BERTopic.merge_models)
    model.save(str(folder), serialization="safetensors", save_ctfidf=getattr(model, "c_tf_idf_", None) is not None,
               save_embedding_model=embedder_id)
    return folder
