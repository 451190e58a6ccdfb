"""Decoding the bytes of text transcripts (``.txt``, ``.vtt``, ``.srt``, ``.csv``, the manifest).

The order of attempts, and why:

1. A byte-order mark decides: UTF-8 (``utf-8-sig``), UTF-16 LE/BE or UTF-32.
2. Strict UTF-8. Legacy 8-bit text with accents almost never happens to be valid UTF-8,
   so a clean decode is trustworthy.
3. UTF-16 without a BOM, recognised by its many NUL bytes in every other position.
4. A legacy Windows code page, chosen among cp1252 (Italian, Dutch, English), cp1250
   (Hungarian) and cp1253 (Greek) by how plausible the decoded letters are for the
   study's languages; ties go to cp1252. We do not ask charset-normalizer here: on short
   Italian text it answers cp1250 or mac_latin2 and turns "è" into "č".
5. Latin-1, which decodes any byte; the result is still checked for control characters.

Text whose decoding is full of control characters is binary and raises ``InvalidInput``.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from pipeline.errors import InvalidInput

_BOMS = (
    # UTF-32 before UTF-16: the UTF-32 LE mark starts with the UTF-16 LE mark.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_LEGACY = ("cp1252", "cp1250", "cp1253")

# Accented letters that Italian, Dutch, Hungarian and English text plausibly contains.
_LATIN_LETTERS = set("àèéìíîòóùúçëïöüäâêôÀÈÉÌÍÎÒÓÙÚÇËÏÖÜÄÂÊÔőűŐŰñ")
_PUNCTUATION = set("‘’‚“”„–—…€£°«»·•§©®™×½¼¾¹²³¿¡\u00a0")
_WORD = re.compile(r"[^\W\d_]+")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_text(path: Path) -> tuple[str, str]:
    """Read and decode a text file: ``(text with \\n line ends, encoding name)``."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InvalidInput(path, f"cannot read the file: {err.strerror or err}") from err
    return decode_bytes(data, path)


def decode_bytes(data: bytes, path: str | Path) -> tuple[str, str]:
    """Decode ``data`` as described in the module docstring; ``path`` names it in errors."""
    if not data.strip():
        raise InvalidInput(path, "empty file")
    if data.startswith(_ZIP_MAGIC):
        raise InvalidInput(path, "binary file: this is a zip archive (a .docx or .odt?), not plain text")
    if data.startswith(_OLE_MAGIC):
        raise InvalidInput(path, "binary file: this is a legacy Office document (.doc/.xls), not plain text")

    text, encoding = _decode(data, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    _check_not_binary(text, path)
    if not text.strip():
        raise InvalidInput(path, "empty file")
    return text, encoding


def _decode(data: bytes, path: str | Path) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as err:
                raise InvalidInput(path, f"undecodable: starts with a {encoding} byte-order mark "
                                   f"but is not valid {encoding} ({err.reason} at byte {err.start})") from err
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            text = ""
        # Latin-script text is what puts a NUL in every other byte: mostly ASCII once decoded.
        if sum(" " <= ch < "\x7f" or ch in "\t\n\r" for ch in text) > 0.6 * len(text) > 0:
            return text, utf16
    if b"\x00" in data:
        raise InvalidInput(path, "binary or undecodable file (contains NUL bytes and is not UTF-8 or UTF-16)")
    best: tuple[float, int, str, str] | None = None
    for rank, encoding in enumerate(_LEGACY):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidate = (_plausibility(text), -rank, encoding, text)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is not None:
        return best[3], best[2]
    return data.decode("latin-1"), "latin-1"


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when NULs fill one byte of most pairs (Latin-script UTF-16)."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _is_greek(ch: str) -> bool:
    return "\u0370" <= ch <= "\u03ff" or "\u1f00" <= ch <= "\u1fff"


def _plausibility(text: str) -> float:
    """How much ``text`` looks like one of the study's languages: higher is better.

    Each non-ASCII character scores +1 when it is a letter these languages use (or common
    typographic punctuation) and -2 otherwise; a word mixing Greek and Latin letters, which
    only a wrong code page produces, costs 3 more.
    """
    score = 0.0
    for ch in text:
        if ch < "\x80":
            continue
        score += 1 if ch in _LATIN_LETTERS or ch in _PUNCTUATION or _is_greek(ch) else -2
    for word in _WORD.findall(text):
        greek = sum(_is_greek(ch) for ch in word)
        if 0 < greek < len(word):
            score -= 3
    return score


def _check_not_binary(text: str, path: str | Path) -> None:
    sample = text[:20000]
    control = sum(
        1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\n\f\v"
    )
    if control > max(2, len(sample) // 200):
        raise InvalidInput(path, "binary or undecodable file (control characters in the text)")
