"""The model file's SentencePiece tokeniser as a ``tokenizers.Tokenizer`` that gives the
engine's token ids.

Token ids still differ from the engine's in three corners: when two orders of the same
pieces score exactly the same ("Mmmm" as "M mm m" or "M m mm"; the engine adds scores in
float32, ``tokenizers`` in float64; about one line in 3,000 of real transcripts), after a
NUL character (the engine reads a C string and stops there), and for the literal text of a
special token such as ``<unk>``.
"""

from __future__ import annotations

import struct
from collections import deque
from typing import Any

import numpy as np

from pipeline.embed.e5.format import E5File
from pipeline.errors import InvalidInput

_METASPACE = "\u2581"


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
