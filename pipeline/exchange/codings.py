"""What each coder has coded now, read from the append-only ``decisions`` log.

A decision's ``codes`` is the coder's whole code set for its unit *after* the decision
(accept, recode and code set it; a reject or an undo leaves the set without the code). So
a coder's current coding of a unit is the ``codes`` of their latest decision on it, by
insertion order (``decisions.id``). A unit is an excerpt, or a hand-coded span inside the
transcript (``start``/``end`` set) attached to an excerpt; an ``undo`` belongs to the unit
of the decision it undoes (as ``pipeline.review.gold.decisions_gold`` reads them). Coders are kept apart: two
coders of one excerpt (double coding) each have their own code set. ``prevailing`` keeps what
says an excerpt's codes: on an excerpt an admin reconciled, only the reconciled coding
(``pipeline.review.precedence``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.review.precedence import RECONCILED
from pipeline.store import models as m

_CHUNK = 500

UnitKey = tuple[int, str, int | None, int | None]
"""(user id, excerpt id, span start, span end); the span is ``None`` for the excerpt itself."""


@dataclass(frozen=True)
class CurrentCoding:
    user_id: int
    username: str
    excerpt_id: str
    start: int | None
    end: int | None
    codes: tuple[str, ...]
    decided_at: datetime
    decision_id: int
    source: str = "app"
    """The decision's source: ``app``, ``qdpx``, ``gold`` or ``reconciled``."""

    @property
    def key(self) -> UnitKey:
        return (self.user_id, self.excerpt_id, self.start, self.end)


def current_codings(session: Session, excerpt_ids: Iterable[str]) -> dict[UnitKey, CurrentCoding]:
    """Every coder's current code set for each unit on ``excerpt_ids`` (empty sets included)."""
    ids = sorted(set(excerpt_ids))
    rows = []
    for i in range(0, len(ids), _CHUNK):
        rows += session.execute(
            select(m.Decision, m.User.username)
            .join(m.User, m.User.id == m.Decision.user_id)
            .where(m.Decision.excerpt_id.in_(ids[i : i + _CHUNK]))
        ).all()
    current: dict[UnitKey, CurrentCoding] = {}
    unit_of: dict[int, tuple[str, int | None, int | None]] = {}
    for decision, username in sorted(rows, key=lambda r: r[0].id):
        if decision.action == "undo" and decision.undoes in unit_of:
            unit = unit_of[decision.undoes]  # an undo belongs to the unit of what it undoes
        else:
            unit = (decision.excerpt_id, decision.start, decision.end)
        unit_of[decision.id] = unit
        coding = CurrentCoding(
            user_id=decision.user_id, username=username, excerpt_id=unit[0], start=unit[1], end=unit[2],
            codes=tuple(sorted(set(decision.codes or ()))), decided_at=decision.created_at, decision_id=decision.id,
            source=decision.source,
        )
        current[coding.key] = coding
    return current


def prevailing(current: dict[UnitKey, CurrentCoding]) -> dict[UnitKey, CurrentCoding]:
    """The codings that say what each excerpt's codes are (what an export writes): every one,
    except that on an excerpt whose latest reconciled coding stands, that coding alone; the
    coders' own codings of it, whole or on spans, are superseded."""
    agreed: dict[str, CurrentCoding] = {}
    for c in current.values():
        if c.source == RECONCILED and c.start is None:
            if c.excerpt_id not in agreed or c.decision_id > agreed[c.excerpt_id].decision_id:
                agreed[c.excerpt_id] = c
    return {k: c for k, c in current.items() if c.excerpt_id not in agreed or c is agreed[c.excerpt_id]}
