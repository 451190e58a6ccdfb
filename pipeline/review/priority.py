"""The order in which coders should review suggestions, so that each decision teaches most.

Two rules (active learning by uncertainty sampling, made fair across codes):

* **Uncertainty first.** A suggestion at confidence 0.5 is the one the model knows least
  about; confirming or rejecting it moves the classifier most. 0.95 can wait.
* **Every code early.** Sorting by uncertainty alone lets one frequent, muddled code fill the
  first hundred items while rare codes never get an example. So the queue takes turns over
  the codes (round-robin), each time the most uncertain item left of the next code; the
  codes themselves take their turns in order of their most uncertain item.

A candidate is anything with ``code`` and ``confidence`` (attributes or mapping keys): a
``Suggestion``, a ``SuggestionRow`` or a plain dict. Ties keep the input order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def _get(candidate: Any, name: str) -> Any:
    if isinstance(candidate, dict):
        return candidate[name]
    return getattr(candidate, name)


def uncertainty(confidence: float) -> float:
    """0 for a sure call (0 or 1), 1 at confidence 0.5."""
    # rounded so that 0.45 and 0.55 tie, as they should, despite binary floating point
    return round(1.0 - 2.0 * abs(float(confidence) - 0.5), 9)


def order_for_review(candidates: Sequence[T]) -> list[T]:
    """``candidates`` reordered: round-robin over codes, most uncertain first within each code."""
    queues: dict[str, list[tuple[float, int, T]]] = {}
    for position, candidate in enumerate(candidates):
        key = (-uncertainty(_get(candidate, "confidence")), position)
        queues.setdefault(str(_get(candidate, "code")), []).append((*key, candidate))
    for queue in queues.values():
        queue.sort(key=lambda item: (item[0], item[1]))
    # codes take turns in the order of their most uncertain item
    turn = sorted(queues, key=lambda code: (queues[code][0][0], queues[code][0][1]))
    ordered: list[T] = []
    depth = 0
    while len(ordered) < len(candidates):
        for code in turn:
            if depth < len(queues[code]):
                ordered.append(queues[code][depth][2])
        depth += 1
    return ordered


__all__ = ["order_for_review", "uncertainty"]
