"""Decoding text transcripts: BOMs, strict UTF-8 first, legacy code pages, binary files."""

from __future__ import annotations

import codecs

import pytest

from pipeline.errors import InvalidInput
from pipeline.ingest.encoding import decode_bytes

ITALIAN = "Intervistatrice: Perché è così difficile?\nGenitore: Più posti, però."
DUTCH = "Interviewer: Hoeveel kinderen?\nOuder: Eén, nee, één. Het café."
HUNGARIAN = "Kérdező: Hogyan működik az óvoda?\nSzülő: Nagyon jól, ő is ügyes."
GREEK = "Συνεντευκτής: Πώς λειτουργεί ο παιδικός σταθμός;\nΓονέας: Πολύ καλά."


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        (ITALIAN.encode("utf-8"), ITALIAN, "utf-8"),
        (codecs.BOM_UTF8 + ITALIAN.encode("utf-8"), ITALIAN, "utf-8-sig"),
        (codecs.BOM_UTF16_LE + GREEK.encode("utf-16-le"), GREEK, "utf-16"),
        (codecs.BOM_UTF16_BE + HUNGARIAN.encode("utf-16-be"), HUNGARIAN, "utf-16"),
        (DUTCH.encode("utf-16-le"), DUTCH, "utf-16-le"),  # no BOM
        (ITALIAN.encode("cp1252"), ITALIAN, "cp1252"),
        (DUTCH.encode("cp1252"), DUTCH, "cp1252"),
        ("perché".encode("cp1252"), "perché", "cp1252"),
        ("één".encode("cp1252"), "één", "cp1252"),
        (HUNGARIAN.encode("cp1250"), HUNGARIAN, "cp1250"),
        (GREEK.encode("cp1253"), GREEK, "cp1253"),
        ("Emoji 😀 and ‘quotes’ — fine".encode("utf-8"), "Emoji 😀 and ‘quotes’ — fine", "utf-8"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le-nobom", "cp1252-it", "cp1252-nl",
         "cp1252-perche", "cp1252-een", "cp1250-hu", "cp1253-el", "utf8-emoji"],
)
def test_decodes(data: bytes, text: str, encoding: str) -> None:
    assert decode_bytes(data, "x.txt") == (text, encoding)


def test_line_ends_become_newlines() -> None:
    assert decode_bytes(b"a: 1\r\nb: 2\rc: 3\n", "x.txt")[0] == "a: 1\nb: 2\nc: 3\n"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\t\r\n ", "empty file"),
        (codecs.BOM_UTF8 + b"\n\n", "empty file"),
        (bytes(range(256)) * 8, "binary"),
        (b"\x00\x01\x02garbage\x00\xff\xfe\x03\x04" * 50, "binary"),
        (b"PK\x03\x04\x14\x00\x00\x00" + b"x" * 100, "zip archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "legacy Office"),
    ],
    ids=["empty", "whitespace", "bom-only", "all-bytes", "garbage", "zip", "ole"],
)
def test_rejects(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as info:
        decode_bytes(data, "bad.txt")
    assert info.value.path == "bad.txt"
