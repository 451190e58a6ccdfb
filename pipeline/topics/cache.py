"""Reuse a fitted topic model when nothing it was fitted on has changed.

The key covers the embedder id, the topic configuration and the exact excerpts (ids are
derived from text and offsets), so a hit gives exactly what a refit would: fitting is seeded
and deterministic. A hit saves the model fit, and in a fresh process also UMAP's JIT
compilation (about 7 s).
"""

from __future__ import annotations

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

MODEL_DIR = "topic_model"
RESULT_FILE = "result.json"


def cache_key(embedder_id: str, config: TopicsConfig, excerpt_ids: Sequence[str]) -> str:
    h = hashlib.sha256()
    h.update(embedder_id.encode())
    h.update(json.dumps(config.model_dump(mode="json"), sort_keys=True).encode())
    for i in excerpt_ids:
        h.update(b"\x1f" + i.encode())
    return h.hexdigest()[:24]


def load(cache_dir: Path, key: str) -> tuple[TopicResult, Path | None] | None:
    folder = cache_dir / key
    try:
        data = json.loads((folder / RESULT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    topics = tuple(Topic(**{**t, "keywords": tuple(t["keywords"]), "representative_ids": tuple(t["representative_ids"]),
                            "codes": tuple(t["codes"])}) for t in data["topics"])
    assignments = tuple(TopicAssignment(**a) for a in data["assignments"])
    model = folder / MODEL_DIR
    return TopicResult(topics, assignments, {**data["params"], "reused": True}), (model if model.is_dir() else None)


def store(cache_dir: Path, key: str, result: TopicResult, model, embedder_id: str) -> Path | None:
    """Write the entry atomically (temp folder, then rename); return the cached model folder."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    final = cache_dir / key
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=cache_dir))
    try:
        save_topic_model(model, tmp / MODEL_DIR, embedder_id)
        payload = {"topics": [asdict(t) for t in result.topics],
                   "assignments": [asdict(a) for a in result.assignments], "params": result.params}
        (tmp / RESULT_FILE).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    model_dir = final / MODEL_DIR
    return model_dir if model_dir.is_dir() else None
