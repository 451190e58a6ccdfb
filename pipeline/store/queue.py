"""A coder's queue in the store: the suggestions in their scope (filtered and ordered), the
details of one page of them, the filter menus, and the excerpts a spot check may show.

The scope: a coder with assignments in a run sees those excerpts; one without sees the run's
unassigned excerpts. What the app does with the rows (the review order, each card's status
and version, double-coded excerpts' private state) stays in ``app.review``.

``queue_rows`` is the queue page's hot path (thousands of rows on a large run): one query for
the rows, the filter menus taken from those same rows when no filter narrows them, and the
transcripts' whole text left unread until a survey answer needs it (``suggestion_details``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Iterable, NamedTuple, Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, defer

from pipeline.store import models as m
from pipeline.store.assignments import double_coded, has_assignments


@dataclass(frozen=True)
class QueueFilters:
    """What a coder narrowed the queue to. ``status`` (pending, decided, all) is applied by
    the app over each card's status; the others are conditions on the query."""

    city: str | None = None
    language: str | None = None
    role: str | None = None
    code: str | None = None
    min_confidence: float | None = None
    max_confidence: float | None = None
    section: str | None = None
    status: str = "pending"  # pending | decided | all

    def conditions(self) -> list[ColumnElement[bool]]:
        out = []
        if self.city:
            out.append(m.TranscriptRow.city == self.city)
        if self.language:
            out.append(m.ExcerptRow.language == self.language)
        if self.role:
            out.append(m.TranscriptRow.role == self.role)
        if self.code:
            out.append(m.SuggestionRow.code == self.code)
        if self.min_confidence is not None:
            out.append(m.SuggestionRow.confidence >= self.min_confidence)
        if self.max_confidence is not None:
            out.append(m.SuggestionRow.confidence <= self.max_confidence)
        if self.section:
            out.append(m.ExcerptRow.guide_section == self.section)
        return out


def uncertainty_first(s: type[m.SuggestionRow] = m.SuggestionRow) -> tuple[ColumnElement, ...]:
    """Confidence closest to 0.5 first: where the model is least sure, a coder's look is worth most."""
    return (func.abs(s.confidence - 0.5), s.id)


def scope_condition(session: Session, run_id: str, user_id: int) -> ColumnElement[bool]:
    """Which suggestions belong in this coder's queue (see the module docstring)."""
    if has_assignments(session, run_id, user_id):
        return m.SuggestionRow.excerpt_id.in_(select(m.Assignment.excerpt_id).where(
            m.Assignment.run_id == run_id, m.Assignment.user_id == user_id))
    return m.SuggestionRow.excerpt_id.not_in(select(m.Assignment.excerpt_id).where(m.Assignment.run_id == run_id))


_OPTION_COLUMNS = (m.TranscriptRow.city, m.ExcerptRow.language, m.TranscriptRow.role, m.SuggestionRow.code,
                   m.ExcerptRow.guide_section)
_OPTION_KEYS = ("city", "language", "role", "code", "section")


class QueueRows(NamedTuple):
    rows: list[Row]
    """``(id, excerpt_id, status, version, code, confidence, ...)`` of every suggestion in the
    coder's scope that passes the filters, in the SQL order (the tie-break under the app's order)."""
    options: dict[str, list[str]]
    """The filter menus: every non-empty city, language, role, code and section in the scope."""


def queue_rows(session: Session, run_id: str, user_id: int, filters: QueueFilters = QueueFilters(), *,
               order: Callable[[], tuple[ColumnElement, ...]] = uncertainty_first) -> QueueRows:
    """The suggestions of a run in the coder's scope that pass ``filters``, ordered by ``order()``."""
    scope = scope_condition(session, run_id, user_id)
    conditions = filters.conditions()
    q = (select(m.SuggestionRow.id, m.SuggestionRow.excerpt_id, m.SuggestionRow.status, m.SuggestionRow.version,
                m.SuggestionRow.code, m.SuggestionRow.confidence, *_OPTION_COLUMNS)
         .join(m.ExcerptRow, m.ExcerptRow.id == m.SuggestionRow.excerpt_id)
         .join(m.TranscriptRow, m.TranscriptRow.id == m.ExcerptRow.transcript_id)
         .where(m.SuggestionRow.run_id == run_id, scope, *conditions)
         .order_by(*order()))
    fetched = list(session.execute(q))
    # unfiltered, the rows are the whole scope: the filter menus need no query of their own
    options = _options_of(fetched, skip=6) if not conditions else _filter_options(session, run_id, scope)
    return QueueRows(fetched, options)


def _filter_options(session: Session, run_id: str, scope) -> dict[str, list[str]]:
    base = (select(*_OPTION_COLUMNS).distinct()
            .join(m.ExcerptRow, m.ExcerptRow.id == m.SuggestionRow.excerpt_id)
            .join(m.TranscriptRow, m.TranscriptRow.id == m.ExcerptRow.transcript_id)
            .where(m.SuggestionRow.run_id == run_id, scope))
    return _options_of(session.execute(base))


def _options_of(rows: Iterable[Sequence], skip: int = 0) -> dict[str, list[str]]:
    """The filter menus' values: every non-empty value of each of ``_OPTION_COLUMNS`` (which
    follow the first ``skip`` columns of ``rows``)."""
    columns = (set(column) for column in itertools.islice(zip(*rows), skip, None))  # C loops: thousands of rows
    values = {key: sorted(v for v in column if v) for key, column in zip(_OPTION_KEYS, columns)}
    return {k: v for k, v in values.items() if v}


def suggestion_details(session: Session, suggestion_ids: Sequence[int]
                       ) -> dict[int, tuple[m.SuggestionRow, m.ExcerptRow, m.TranscriptRow]]:
    """Each suggestion with its excerpt and transcript. The transcript's whole text is read
    only when touched (for a survey answer's item), inside the caller's session."""
    return {sg.id: (sg, e, t) for sg, e, t in session.execute(
        select(m.SuggestionRow, m.ExcerptRow, m.TranscriptRow)
        .join(m.ExcerptRow, m.ExcerptRow.id == m.SuggestionRow.excerpt_id)
        .join(m.TranscriptRow, m.TranscriptRow.id == m.ExcerptRow.transcript_id)
        .where(m.SuggestionRow.id.in_(suggestion_ids))
        .options(defer(m.TranscriptRow.text)))}  # whole interviews; read (lazily) for survey answers only


def spot_check_candidates(session: Session, run_id: str, user_id: int) -> list[str]:
    """The run's excerpts in the coder's scope with no suggestion, no decision and no double-coding."""
    suggested = select(m.SuggestionRow.excerpt_id).where(m.SuggestionRow.run_id == run_id)
    decided = select(m.Decision.excerpt_id).where(m.Decision.run_id == run_id)
    assigned = select(m.Assignment.excerpt_id).where(m.Assignment.run_id == run_id)
    mine = assigned.where(m.Assignment.user_id == user_id)
    scope = (m.RunExcerpt.excerpt_id.in_(mine) if has_assignments(session, run_id, user_id)
             else m.RunExcerpt.excerpt_id.not_in(assigned))
    ids = list(session.scalars(select(m.RunExcerpt.excerpt_id).where(
        m.RunExcerpt.run_id == run_id, scope, m.RunExcerpt.excerpt_id.not_in(suggested),
        m.RunExcerpt.excerpt_id.not_in(decided))))
    private = double_coded(session, run_id, ids) if ids else {}
    return [e for e in ids if e not in private]


__all__ = [
    "QueueFilters", "QueueRows", "queue_rows", "scope_condition", "spot_check_candidates", "suggestion_details",
    "uncertainty_first",
]
