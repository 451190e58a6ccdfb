"""Long ``IN (...)`` lists, cut into parts every database accepts."""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence, TypeVar

T = TypeVar("T")

CHUNK = 500
"""Keys per ``IN (...)`` query: well under SQLite's limit on the variables of one statement."""


def chunked(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``items`` in consecutive lists of at most ``size`` (none for no items)."""
    items = items if isinstance(items, Sequence) else list(items)
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


__all__ = ["CHUNK", "chunked"]
