"""What coders have coded now, read from the append-only ``decisions`` log.

A decision's ``codes`` is the coder's whole code set for its unit *after* the decision
(accept, recode and code set it; a reject or an undo leaves the set without the code). So
the current coding of a unit is the ``codes`` of the latest decision on it, by insertion
order (``decisions.id``). A unit is an excerpt, or a hand-coded span inside the transcript
(``start``/``end`` set) attached to an excerpt; an ``undo`` belongs to the unit of the
decision it undoes. Coders are kept apart unless asked otherwise: two coders of one excerpt
(double coding) each have their own code set.

This is the one reading of the log for export, import, gold from the store and learning.
The review app reads a suggestion's status from the decisions still standing
(``app.review.effective``), which is a question about one suggestion, not a unit's codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.errors import NotFound

RECONCILED = "reconciled"
"""``decisions.source`` of the codes an admin recorded as agreed for a double-coded excerpt
(``pipeline.quality.precedence`` says what that means for every reader of the log)."""
from pipeline.store import models as m
from pipeline.store.chunks import chunked

UnitKey = tuple[int | None, str, int | None, int | None]
"""(user id, excerpt id, span start, span end); the span is ``None`` for the excerpt itself,
the user id ``None`` when coders are not kept apart."""


@dataclass(frozen=True)
class CurrentCoding:
    user_id: int
    username: str
    excerpt_id: str
    start: int | None
    end: int | None
    codes: tuple[str, ...]
    """Sorted; empty when the coder looked and no code applies (or rejected every suggestion)."""
    decided_at: datetime
    decision_id: int
    action: str
    """The action of the decision that set ``codes`` (``recode``, ``code`` and ``none`` state the full set)."""
    source: str = "app"
    """The decision's source: ``app``, ``qdpx``, ``gold`` or ``reconciled``."""

    @property
    def key(self) -> UnitKey:
        return (self.user_id, self.excerpt_id, self.start, self.end)


def current_codes(session: Session, excerpt_ids: Iterable[str] | None = None, *, coder: str | None = None,
                  run_id: str | None = None, sources: Sequence[str] | None = None,
                  per_coder: bool = True) -> dict[UnitKey, CurrentCoding]:
    """The current code set of every unit, in the order units were first decided on.

    ``excerpt_ids``: only units on these excerpts (default: all). ``coder``: only this
    coder's decisions (a username; ``NotFound`` if there is none). ``run_id``, ``sources``:
    only decisions of that run, of those sources. ``per_coder=False`` makes the latest
    decision by anyone the unit's coding (keys then have user id ``None``).
    """
    q = select(m.Decision, m.User.username).join(m.User, m.User.id == m.Decision.user_id)
    if coder is not None:
        user_id = session.scalar(select(m.User.id).where(m.User.username == coder))
        if user_id is None:
            raise NotFound(f"no coder named {coder!r} in the store")
        q = q.where(m.Decision.user_id == user_id)
    if run_id is not None:
        q = q.where(m.Decision.run_id == run_id)
    if sources:
        q = q.where(m.Decision.source.in_(list(sources)))
    if excerpt_ids is None:
        rows = session.execute(q).all()
    else:
        rows = [r for part in chunked(sorted(set(excerpt_ids)))
                for r in session.execute(q.where(m.Decision.excerpt_id.in_(part))).all()]
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
            codes=tuple(sorted(set(decision.codes or ()))), decided_at=decision.created_at,
            decision_id=decision.id, action=decision.action, source=decision.source,
        )
        current[(decision.user_id if per_coder else None, *unit)] = coding
    return current


def agreed_codings(current: dict[UnitKey, CurrentCoding]) -> dict[str, CurrentCoding]:
    """Excerpt id -> the latest reconciled coding of the whole excerpt among ``current``
    (the agreed codes an admin recorded, ``pipeline.quality.precedence``)."""
    agreed: dict[str, CurrentCoding] = {}
    for c in current.values():
        if c.source == RECONCILED and c.start is None:
            if c.excerpt_id not in agreed or c.decision_id > agreed[c.excerpt_id].decision_id:
                agreed[c.excerpt_id] = c
    return agreed


def prevailing(current: dict[UnitKey, CurrentCoding]) -> dict[UnitKey, CurrentCoding]:
    """The codings that say what each excerpt's codes are (what an export writes): every one,
    except that on an excerpt whose latest reconciled coding stands, that coding alone; the
    coders' own codings of it, whole or on spans, are superseded (``pipeline.quality.precedence``)."""
    agreed = agreed_codings(current)
    return {k: c for k, c in current.items() if c.excerpt_id not in agreed or c is agreed[c.excerpt_id]}


def with_agreed(current: dict[UnitKey, CurrentCoding],
                everyone: dict[UnitKey, CurrentCoding]) -> dict[UnitKey, CurrentCoding]:
    """``current`` (one coder's, or the latest by anyone) with every unit on an excerpt that
    ``everyone``'s codings show reconciled replaced by the agreed coding of the whole excerpt."""
    agreed = agreed_codings(everyone)
    if not agreed:
        return current
    kept = {k: c for k, c in current.items() if c.excerpt_id not in agreed}
    return {**kept, **{(None, e, None, None): c for e, c in agreed.items()}}


def dismissed_codes(session: Session, excerpt_ids: Iterable[str]) -> dict[str, set[str]]:
    """Per excerpt, the codes whose suggestions (in any run) a coder rejected or recoded away."""
    out: dict[str, set[str]] = {}
    for part in chunked(sorted(set(excerpt_ids))):
        for excerpt_id, code in session.execute(select(m.SuggestionRow.excerpt_id, m.SuggestionRow.code).where(
                m.SuggestionRow.excerpt_id.in_(part), m.SuggestionRow.status.in_(["rejected", "recoded"]))):
            out.setdefault(excerpt_id, set()).add(code)
    return out


__all__ = ["CurrentCoding", "UnitKey", "agreed_codings", "current_codes", "dismissed_codes", "prevailing",
           "with_agreed"]
