"""Any sentence-transformers model in a local folder, run by torch on the CPU."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from pipeline.embed.base import register_embedder
from pipeline.errors import InvalidConfig
from pipeline.memory import return_freed_memory, trim_allocator

DTYPES = ("float32", "bfloat16")
BF16_WEIGHTS = "model.bf16.safetensors"
"""Hugging Face's name for the ``bf16`` variant of ``model.safetensors``."""
LENGTH_STEP = 32
"""Padded lengths are multiples of this (capped at the model's limit), so that, with row
counts a full batch or a power of two, a process meets a bounded set of input shapes: in
bfloat16, oneDNN keeps about 3 MB for each shape it has seen."""


def token_batches(lengths: Sequence[int], budget: int, max_rows: int, limit: int) -> list[tuple[list[int], int]]:
    """Positions of texts in batches, each with the length its texts are padded to.

    Texts go by token count; a batch holds texts of one padded length (the next multiple of
    ``LENGTH_STEP``, at most ``limit``) and at most ``max_rows`` of them, with rows x padded
    length within ``budget`` (a text longer than the budget goes alone). Batches of a length
    are full, but for what is left over, which goes in batches of powers of two (25 rows:
    16, 8, 1), so that each call, with its own leftovers, meets no new shape.
    """
    by_length: dict[int, list[int]] = {}
    for i in sorted(range(len(lengths)), key=lambda i: (lengths[i], i)):
        padded = min(-(-max(lengths[i], 1) // LENGTH_STEP) * LENGTH_STEP, limit)
        by_length.setdefault(padded, []).append(i)
    batches = []
    for padded, rows in sorted(by_length.items()):
        size = max(1, min(max_rows, budget // padded))
        full = len(rows) - len(rows) % size
        batches += [(rows[j : j + size], padded) for j in range(0, full, size)]
        while full < len(rows):
            part = 1 << ((len(rows) - full).bit_length() - 1)
            batches.append((rows[full : full + part], padded))
            full += part
    return batches


def folder_fingerprint(path: Path) -> str:
    """A short hash of a model folder's configuration and weight sizes (cheap, stable)."""
    h = hashlib.sha256()
    for name in ("config.json", "modules.json", "tokenizer.json", "qualflow_source.json"):
        f = path / name
        if f.exists():
            h.update(name.encode())
            h.update(f.read_bytes())
    for f in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        h.update(f"{f.name}:{f.stat().st_size}".encode())
    return h.hexdigest()[:10]


def _folder_dimension(path: Path) -> int | None:
    """The embedding size a sentence-transformers folder declares (its pooling module), if any."""
    try:
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
        pooling = next(m for m in modules if m.get("type", "").endswith("Pooling"))
        config = json.loads((path / pooling["path"] / "config.json").read_text(encoding="utf-8"))
        return int(config["word_embedding_dimension"])
    except (OSError, ValueError, KeyError, StopIteration, TypeError):
        return None


class SentenceTransformerEmbedder:
    """Embeds with ``SentenceTransformer(path)``; the prompt is prepended to every text."""

    def __init__(
        self,
        path: Path,
        *,
        name: str | None = None,
        dtype: str = "float32",
        prompt: str = "",
        batch_size: int = 32,
        token_budget: int = 4096,
        threads: int = 0,
    ) -> None:
        if dtype not in DTYPES:
            raise InvalidConfig(None, "embed.runtime", f"unknown dtype {dtype!r}")
        self.path = Path(path)
        self.dtype = dtype
        self.prompt = prompt
        self.batch_size = batch_size
        self.token_budget = token_budget
        self.threads = threads
        label = name or self.path.name
        short = "bf16" if dtype == "bfloat16" else "fp32"
        self.id = f"{label}/torch-{short}/{prompt.strip() or 'no-prompt'}/{folder_fingerprint(self.path)}@1"
        self._model = None
        self._lock = threading.Lock()
        self._dim: int | None = _folder_dimension(self.path)

    @property
    def dim(self) -> int:
        """Read from the folder's pooling config, so that a run served from the cache never loads the model."""
        if self._dim is None:
            model = self._load()
            self._dim = (getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension)()
        return self._dim

    def _load(self):
        with self._lock:
            return self._load_unlocked()

    def _load_unlocked(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            import torch
            from sentence_transformers import SentenceTransformer

            if self.threads:
                torch.set_num_threads(self.threads)
            kwargs = {"dtype": getattr(torch, self.dtype)}
            if self.dtype == "bfloat16" and (self.path / BF16_WEIGHTS).is_file():
                # Weights stored in bfloat16 are memory-mapped as they are; otherwise they are read
                # in float32 and cast, which holds both copies for a moment.
                kwargs["variant"] = "bf16"
            self._model = SentenceTransformer(
                str(self.path), device="cpu", local_files_only=True, model_kwargs=kwargs
            )
        return self._model

    def release(self) -> None:
        """Free the model and its tokenizer; the next ``embed`` loads them again."""
        with self._lock:
            self._model = None
        return_freed_memory()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        # One inference at a time per model: the flow's tasks run in threads, and concurrent
        # encodes on 2 cores only multiply activation memory and oversubscribe the CPU.
        with self._lock, torch.inference_mode():
            model = self._load_unlocked()
            prompted = [self.prompt + t for t in texts]
            limit = model.max_seq_length
            lengths = [len(ids) for ids in model.tokenizer(prompted, add_special_tokens=True, truncation=True,
                                                           max_length=limit)["input_ids"]]
            vectors = None
            for rows, padded in token_batches(lengths, self.token_budget, self.batch_size, limit):
                batch = model.encode(
                    [prompted[i] for i in rows],
                    batch_size=len(rows),
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                    processing_kwargs={"text": {"padding": "max_length", "max_length": padded}},
                )
                if vectors is None:
                    vectors = np.zeros((len(texts), batch.shape[1]), dtype=np.float32)
                vectors[rows] = batch
        # The activations are freed but stay in the allocator's arenas (one per flow thread);
        # without this, every batch of texts leaves the process a little larger.
        trim_allocator()
        vectors = np.asarray(vectors, dtype=np.float32)
        # sentence-transformers normalises in the model's dtype: in bfloat16 norms land
        # anywhere in 0.998-1.004, so normalise again in float32 to keep the unit-length contract
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(vectors)

    def count_tokens(self, texts: Sequence[str]) -> int:
        model = self._load()
        limit = model.max_seq_length
        encoded = model.tokenizer([self.prompt + t for t in texts], add_special_tokens=True, truncation=True, max_length=limit)
        return sum(len(ids) for ids in encoded["input_ids"])


@register_embedder("sentence-transformers.v1")
def sentence_transformers_v1(path: Path, **kwargs) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(path, **kwargs)
