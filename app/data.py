"""Cities as URL path segments, and code labels, for the app's pages.

What a run holds is read from the store by ``pipeline.store.runs``; a run's codebook by
``pipeline.store.codebooks.codebook_for``."""

from __future__ import annotations

import re

from pipeline.records import Codebook


def code_labels(book: Codebook) -> dict[str, str]:
    return {c.name: c.label for c in book.codes}


_KEY_ESCAPES = re.compile(r"[/\\~.%?#]")


def city_key(city: str) -> str:
    """The city's name as one URL path segment: ``/ \\ ~ . % ? #`` become ``~hex~``.

    A city comes from the manifest and may be called "Emilia/Romagna" or "..": a ``%2F``
    is decoded before routing, so the name itself cannot be the segment. The key is
    reversible and equals the name for ordinary names (``Bologna``, ``Θεσσαλονίκη``).
    """
    return _KEY_ESCAPES.sub(lambda ch: f"~{ord(ch.group()):x}~", city)


def city_from_key(key: str) -> str:
    return re.sub(r"~([0-9a-f]{1,6})~", lambda h: chr(int(h.group(1), 16)), key)


