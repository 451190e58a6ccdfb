"""Reuse fitted topic models across runs: the policy behind ``run.json``'s ``topic_model.policy``.

- ``reused``: a fit of exactly these excerpts exists (the key covers the embedder id, the
  topic configuration and the excerpt ids, which derive from text and offsets). Fitting is
  seeded and deterministic, so this is what a refit would give, without the fit (and, in a
  fresh process, without UMAP's JIT compilation, about 7 s).
- ``extended``: the last fit with the same embedder and configuration covers at least
  ``EXTEND_MIN_SHARE`` of today's excerpts. Excerpts it saw keep their topics; new ones are
  assigned to the nearest topic by ``BERTopic.transform`` (cosine to topic embeddings).
  Topics, keywords and ids stay stable for coders; the price is that a genuinely new theme
  in the new interviews is not discovered until a refit.
- ``merged`` (instead of ``extended`` when ``[topics] incremental = "merged"``, the default,
  the last fit covers at least ``MERGE_MIN_SHARE`` of today's excerpts, and there are at least
  ``merge.MIN_NEW_EXCERPTS`` new excerpts): known excerpts keep their
  topics; topics are fitted on the new excerpts alone and merged in (``pipeline.topics.merge``),
  so a theme only the new interviews talk about surfaces as a new topic, flagged
  ``new_in_run``, while every old topic keeps its id and keywords.
- ``refit``: otherwise, or always with ``qualflow run --refit``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

from pipeline.config import TopicsConfig
from pipeline.records import Topic, TopicAssignment
from pipeline.topics.model import TopicResult, save_topic_model

FIT_VERSION = 2
"""Bump when fitting changes what it returns for the same inputs (2: multilingual keywords),
so that no cached fit made by older code is served again."""
MODEL_DIR = "topic_model"
RESULT_FILE = "result.json"
EXTEND_MIN_SHARE = 0.8
MERGE_MIN_SHARE = 0.5
"""``merged`` discovers new themes, so it may add more than ``extended`` (which only assigns
new excerpts to old topics) before a refit is better: a fit of today's excerpts when the last
fit saw fewer than half of them."""


def cache_key(embedder_id: str, config: TopicsConfig, excerpt_ids: Sequence[str]) -> str:
    h = hashlib.sha256()
    h.update(f"fit-v{FIT_VERSION}".encode())
    h.update(embedder_id.encode())
    # how runs add to a fit does not change what a fit of these excerpts is
    fit_settings = config.model_dump(mode="json", exclude={"incremental", "new_topic_similarity"})
    h.update(json.dumps(fit_settings, sort_keys=True).encode())
    for i in excerpt_ids:
        h.update(b"\x1f" + i.encode())
    return h.hexdigest()[:24]


def load(cache_dir: Path, key: str) -> tuple[TopicResult, Path | None] | None:
    folder = cache_dir / key
    try:
        data = json.loads((folder / RESULT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    # "new in this run" is relative to the run that found the topic, never to one reusing it
    topics = tuple(Topic(**{**t, "keywords": tuple(t["keywords"]), "representative_ids": tuple(t["representative_ids"]),
                            "codes": tuple(t["codes"]), "new_in_run": False}) for t in data["topics"])
    assignments = tuple(TopicAssignment(**a) for a in data["assignments"])
    model = folder / MODEL_DIR
    return TopicResult(topics, assignments, {**data["params"], "reused": True, "policy": "reused"}), (
        model if model.is_dir() else None)


def store(cache_dir: Path, key: str, result: TopicResult, model, embedder_id: str) -> Path | None:
    """Write the entry atomically (temp folder, then rename); return the cached model folder.

    First writer wins: when two runs fit the same key at once, the second keeps the first's
    entry (fits are deterministic, so they are the same) instead of deleting a folder the
    first may be copying from.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    final = cache_dir / key
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=cache_dir))
    try:
        if not (final / RESULT_FILE).exists():
            save_topic_model(model, tmp / MODEL_DIR, embedder_id)
            payload = {"topics": [asdict(t) for t in result.topics],
                       "assignments": [asdict(a) for a in result.assignments], "params": result.params}
            (tmp / RESULT_FILE).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
            try:
                os.replace(tmp, final)
            except OSError:  # another run renamed its copy into place first
                if not (final / RESULT_FILE).exists():
                    raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    model_dir = final / MODEL_DIR
    return model_dir if model_dir.is_dir() else None


def family_key(embedder_id: str, config: TopicsConfig) -> str:
    """Fits that could be extended by one another: same embedder, same topic configuration."""
    return cache_key(embedder_id, config, [])


def remember_latest(cache_dir: Path, family: str, key: str, excerpt_ids: Sequence[str]) -> None:
    index = cache_dir / "latest"
    index.mkdir(parents=True, exist_ok=True)
    tmp = index / f".{family}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"key": key, "excerpt_ids": list(excerpt_ids)}), encoding="utf-8")
    os.replace(tmp, index / f"{family}.json")


def latest(cache_dir: Path, family: str) -> tuple[str, set[str]] | None:
    try:
        data = json.loads((cache_dir / "latest" / f"{family}.json").read_text(encoding="utf-8"))
        return data["key"], set(data["excerpt_ids"])
    except (OSError, ValueError, KeyError):
        return None


def load_model(model_dir: Path):
    """A saved BERTopic model, without trying to fetch its embedding model by name."""
    from pipeline.topics import jit_cache

    jit_cache.prepare()
    prior = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"  # BERTopic.load tries to load the embedding model by name
    try:
        from bertopic import BERTopic

        return BERTopic.load(str(model_dir))
    finally:
        if prior is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = prior


def extend(cached: TopicResult, model_dir: Path, excerpts, vectors) -> TopicResult:
    """Keep the cached assignments of known excerpts; give new ones their nearest topic."""
    import numpy as np

    known = {a.excerpt_id: a.topic_id for a in cached.assignments}
    new = [i for i, e in enumerate(excerpts) if e.id not in known]
    assigned = dict(known)
    if new:
        model = load_model(model_dir)
        topics, _ = model.transform([excerpts[i].text for i in new], embeddings=np.asarray(vectors)[new])
        for i, t in zip(new, topics):
            assigned[excerpts[i].id] = int(t)
    assignments = tuple(TopicAssignment(e.id, assigned[e.id]) for e in excerpts)
    sizes: dict[int, int] = {}
    for a in assignments:
        sizes[a.topic_id] = sizes.get(a.topic_id, 0) + 1
    present = {e.id for e in excerpts}
    topics = tuple(
        dataclasses.replace(t, size=sizes.get(t.topic_id, 0),
                            representative_ids=tuple(r for r in t.representative_ids if r in present))
        for t in cached.topics
    )
    params = {**cached.params, "reused": False, "policy": "extended", "new_excerpts": len(new),
              "known_excerpts": len(excerpts) - len(new)}
    return TopicResult(topics, assignments, params)
