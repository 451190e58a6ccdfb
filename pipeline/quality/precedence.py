"""Which decisions say what an excerpt's codes are: the precedence of reconciled codes.

Decisions are append-only; a decision's ``codes`` is the code set after it, and an ``undo``
row cancels the decision it names. When two coders double-code an excerpt and an admin
records the codes they agreed on (a decision with ``source="reconciled"``, ``action``
``code``, or ``none`` for "no code applies"), that decision **is the excerpt's coding**
wherever current codes are read: city summaries and sign-offs, the REFI-QDA export, gold
from a coder's decisions (``qualflow eval --gold-coder``) and the examples ``qualflow
learn`` fits on. It supersedes every coder's own decisions on that excerpt, whole or on
hand-coded spans, made before or after it; those stay in the log and still count for the
agreement between the coders. Of several reconciled decisions on an excerpt, the latest
standing one holds.

Every reader of the log replays it in its own shape (per excerpt, per coder and unit, per
unit); each asks this module which excerpts are reconciled, so the rule is written once.
"""

from __future__ import annotations

from typing import Iterable, Protocol

from pipeline.store.codings import RECONCILED


class _Logged(Protocol):
    id: int
    excerpt_id: str
    action: str
    source: str
    undoes: int | None
    codes: list


def standing(decisions: Iterable[_Logged]) -> list:
    """Decisions that still stand, oldest first: not undo rows, and not undone."""
    rows = sorted(decisions, key=lambda d: d.id)
    undone = {d.undoes for d in rows if d.action == "undo"}
    return [d for d in rows if d.action != "undo" and d.id not in undone]


def reconciled(decisions: Iterable[_Logged]) -> dict[str, _Logged]:
    """Excerpt id → its latest standing reconciled decision, among ``decisions``.

    Pass every decision on the excerpts (undo rows included), not only the reconciled ones,
    so that an undone reconciliation does not count."""
    out: dict[str, _Logged] = {}
    for d in standing(decisions):
        if d.source == RECONCILED:
            out[d.excerpt_id] = d
    return out


__all__ = ["RECONCILED", "reconciled", "standing"]
