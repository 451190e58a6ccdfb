"""Coders' work: the queue, decisions (accept, reject, recode), undo and memos.

Whose decisions count where:

- An excerpt assigned to two or more coders is **double-coded**: each coder's decisions on
  it are private (they never see each other's, and neither changes the shared suggestion
  row); the consolidated coding is what they agree on (``app.summaries.accepted_codes``).
- Every other excerpt is **shared**: a decision updates the suggestion's ``status`` and
  ``version``. A coder who has assignments in a run works on those; a coder who has none
  works on the run's unassigned excerpts.

A decision's ``codes`` is the excerpt's full code set after it, within its scope (shared, or
the coder's own for double-coded excerpts). ``accept`` adds the suggested code, ``reject``
removes it, ``recode`` replaces it with the codes the coder picked (one or more).

**Spot checks.** Every 10th card (``pipeline.quality.priority.is_spot_check`` over the coder's
decisions in the run) is an excerpt that has no suggestion at all, the next one in the run's
fixed spot-check order within the coder's scope (double-coded excerpts excepted). The coder
says ``none`` (no code applies: text seen and left uncoded, a negative for every code when
the model relearns) or ``code`` with the codes that apply (a miss). The tally of spot checks
estimates the share of unsuggested excerpts that do carry a code.

Concurrency: a form carries the ``version`` of the suggestion it was rendered with. A
decision locks every suggestion of the excerpt (in id order, so two deciders never
deadlock), refuses a stale version with ``Conflict`` (HTTP 409), and bumps the version of
all of them: the code set is per excerpt, so a decision on one suggestion makes a page
showing its sibling stale too. The ``UPDATE … WHERE version = :seen`` repeats the check
where ``SELECT … FOR UPDATE`` is not available (SQLite), so a race is a conflict, never an
overwrite. For double-coded excerpts the version is the number of the coder's own decisions
on the excerpt.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from sqlalchemy.orm import Session

from pipeline.store import audit
from pipeline.store import memos as memo_store
from pipeline.store.assignments import assignees, assignees_in_every_run, double_coded, has_assignments
from pipeline.store.codebooks import known_codes
from pipeline.store.decisions import (add_decision, bump_versions, decisions_made, decisions_on, has_suggestions,
                                      latest_undoable, lock_excerpt, restore_status, settle_suggestion,
                                      suggestion_brief, unsuggested_decisions)
from pipeline.store.queue import QueueFilters, queue_rows, spot_check_candidates, suggestion_details, uncertainty_first
from pipeline.store.runs import excerpt_row, in_run, transcript_row
from pipeline.store.studies import get_run, is_latest, resolve_run
from app.errors import BadRequest, Conflict, Forbidden
from app.permissions import CurrentUser
from pipeline.errors import NotFound
from pipeline.quality.priority import SPOT_CHECK_SHARE, is_spot_check, order_for_review, spot_check_order
from pipeline.store.db import Store

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from pipeline.store.models import Decision, ExcerptRow, TranscriptRow

spot_check_share: float = SPOT_CHECK_SHARE
"""The share of a coder's cards that are spot checks (0: none)."""

STATUS_OF_ACTION = {"accept": "accepted", "reject": "rejected", "recode": "recoded"}
PENDING = "suggested"
MAX_MEMO = 10_000


# -- the order of the queue ------------------------------------------------------------------


queue_order: Callable[[], tuple[ColumnElement, ...]] = uncertainty_first
"""The queue's ORDER BY (``pipeline.store.queue.uncertainty_first``: confidence closest to 0.5
first): the tie-break under ``review_order``."""

review_order: Callable[[list], list] = order_for_review
"""The queue's order (rows with ``code`` and ``confidence``): uncertainty first, taking turns over
codes (``pipeline.quality.priority``). Replace it in this one place."""


# -- decisions replayed ------------------------------------------------------------------------


def effective(decisions: Iterable[Decision]) -> list[Decision]:
    """Decisions that still stand, oldest first: not undo rows, and not undone."""
    rows = sorted(decisions, key=lambda d: d.id)
    undone = {d.undoes for d in rows if d.action == "undo"}
    return [d for d in rows if d.action != "undo" and d.id not in undone]


def status_of(standing: Sequence[Decision], suggestion_id: int) -> str:
    for d in reversed(standing):
        if d.suggestion_id == suggestion_id and d.action in STATUS_OF_ACTION:
            return STATUS_OF_ACTION[d.action]
    return PENDING


def codes_of(standing: Sequence[Decision]) -> list[str]:
    """The excerpt's code set: that of the latest standing decision (none yet: no code)."""
    return list(standing[-1].codes) if standing else []


# -- scopes ----------------------------------------------------------------------------------


def _check_in_scope(session: Session, run_id: str, user_id: int, excerpt_id: str) -> bool:
    """Refuse an excerpt outside the coder's scope; whether it is double-coded."""
    coders = assignees(session, run_id, excerpt_id)
    if coders and user_id not in coders:
        raise Forbidden("This excerpt is assigned to other coders.")
    if not coders and has_assignments(session, run_id, user_id):
        raise Forbidden("This excerpt is not among the excerpts assigned to you.")
    return len(coders) >= 2


# -- the queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExcerptShown:
    """What a card shows of an excerpt: the text, the question it answers, who said it, where."""

    excerpt_id: str
    text: str
    question: str | None
    speaker: str
    transcript_id: str
    city: str | None
    role: str | None
    language: str | None
    section: str | None

    @classmethod
    def of(cls, e: ExcerptRow, t: TranscriptRow, **rest):
        """The card for excerpt row ``e`` of transcript row ``t``; ``rest``: the subclass's own fields."""
        return cls(excerpt_id=e.id, text=e.text, question=e.question, speaker=e.speaker, transcript_id=t.id,
                   city=t.city, role=t.role, language=e.language, section=e.guide_section, **rest)


@dataclass(frozen=True)
class QueueItem(ExcerptShown):
    suggestion_id: int
    code: str
    confidence: float
    reason: str
    status: str
    version: int
    excerpt_codes: tuple[str, ...]
    double_coded: bool
    memos: tuple[tuple[str, datetime], ...] = ()
    source: str = ""
    """How to cite a survey answer or a document passage (``pipeline.sources``); empty for speech."""


@dataclass(frozen=True)
class Queue:
    run_id: str
    items: tuple[QueueItem, ...]
    total: int
    decided: int
    matching: int
    offset: int
    filters: QueueFilters
    options: dict[str, list[str]] = field(default_factory=dict)


def _own_state(session: Session, run_id: str, user_id: int, excerpt_ids: Iterable[str]):
    """For double-coded excerpts: standing own decisions per excerpt and the own version token."""
    rows = decisions_on(session, run_id, excerpt_ids, user_id)
    by_excerpt: dict[str, list[Decision]] = defaultdict(list)
    for d in rows:
        by_excerpt[d.excerpt_id].append(d)
    standing = {e: effective(ds) for e, ds in by_excerpt.items()}
    versions = {e: len(ds) for e, ds in by_excerpt.items()}
    return standing, versions


def load_queue(store: Store, user: CurrentUser, run_id: str, filters: QueueFilters = QueueFilters(), *,
               offset: int = 0, limit: int = 20) -> Queue:
    with store.session() as s:
        # the filter menus come with the rows (from the rows themselves when no filter narrows them)
        fetched, options = queue_rows(s, run_id, user.id, filters, order=queue_order)
        # the SQL order is the tie-break; the review order takes turns over codes, most uncertain first
        rows = review_order(fetched)
        private = double_coded(s, run_id, {r[1] for r in rows})
        own, own_versions = _own_state(s, run_id, user.id, private)
        status, version = {}, {}
        for sid, excerpt_id, row_status, row_version, *_ in rows:
            if excerpt_id in private:
                status[sid] = status_of(own.get(excerpt_id, []), sid)
                version[sid] = own_versions.get(excerpt_id, 0)
            else:
                status[sid], version[sid] = row_status, row_version
        decided = sum(1 for v in status.values() if v != PENDING)
        wanted = [r for r in rows if filters.status == "all"
                  or (filters.status == "decided") == (status[r[0]] != PENDING)]
        page = wanted[offset:offset + limit]
        items = _items(s, run_id, user, page, status, version, private, own)
    return Queue(run_id, tuple(items), len(rows), decided, len(wanted), offset, filters, options)


def _items(s: Session, run_id: str, user: CurrentUser, page, status, version, private, own) -> list[QueueItem]:
    ids = [r[0] for r in page]
    if not ids:
        return []
    details = suggestion_details(s, ids)  # a survey answer's transcript text is read only for its item
    excerpt_ids = {details[i][1].id for i in ids}
    shared = [e for e in excerpt_ids if e not in private]
    by_excerpt: dict[str, list[Decision]] = defaultdict(list)
    for d in decisions_on(s, run_id, shared):
        by_excerpt[d.excerpt_id].append(d)
    current = {e: codes_of(effective(ds)) for e, ds in by_excerpt.items()}
    current.update({e: codes_of(own.get(e, [])) for e in excerpt_ids if e in private})
    memos: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for memo in memo_store.memos_by(s, user.id, excerpt_ids):
        memos[memo.excerpt_id].append((memo.text, memo.created_at))
    out = []
    for sid in ids:
        sg, e, t = details[sid]
        out.append(QueueItem.of(e, t, suggestion_id=sg.id, code=sg.code, confidence=sg.confidence, reason=sg.reason,
                                status=status[sid], version=version[sid],
                                excerpt_codes=tuple(sorted(current.get(e.id, []))), double_coded=e.id in private,
                                memos=tuple(memos.get(e.id, [])), source=_source(e, t)))
    return out


def _source(e: ExcerptRow, t: TranscriptRow) -> str:
    from pipeline.sources import citation, survey_item

    item = survey_item(t.text, e.start) if e.source_type == "survey" else None
    return citation(e.source_type, e.speaker, e.page, item)


# -- deciding --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionResult:
    decision_id: int
    suggestion_id: int
    excerpt_id: str
    previous_status: str
    status: str
    codes: tuple[str, ...]
    versions: dict[int, int]
    """The new version of every suggestion of the excerpt, for a page that shows several."""


STALE = ("Someone else changed this excerpt while you were looking at it, so your decision was not saved. "
         "Reload to see the current state, then decide again.")


def decide(store: Store, user: CurrentUser, suggestion_id: int, action: str, version: int,
           codes: Sequence[str] = (), *, source: str = "app") -> DecisionResult:
    """Record one decision, the suggestion's new status and an audit row, in one transaction."""
    if action not in STATUS_OF_ACTION:
        raise BadRequest(f"Unknown action {action!r}; use accept, reject or recode.")
    chosen = sorted({c.strip() for c in codes if c and c.strip()})
    if action == "recode" and not chosen:
        raise BadRequest("Recoding needs at least one code; to remove the code, reject it.")
    t = datetime.now(timezone.utc)
    with store.transaction() as s:
        sg = suggestion_brief(s, suggestion_id)
        if sg is None:
            raise NotFound(f"There is no suggestion {suggestion_id}.")
        _, run_id, excerpt_id, code, row_status = sg
        run = get_run(s, run_id)
        if not is_latest(s, run):
            raise Conflict(f"Suggestion {suggestion_id} belongs to an earlier run of its study, which is "
                           "read-only; decide in the study's latest run.")
        private = _check_in_scope(s, run_id, user.id, excerpt_id)
        if chosen:
            known = known_codes(s, run)
            unknown = [c for c in chosen if c not in known]
            if unknown:
                raise BadRequest(f"Unknown code(s) {', '.join(unknown)} in this run's codebook.")
        status = STATUS_OF_ACTION[action]
        if private:
            mine = decisions_on(s, run_id, [excerpt_id], user.id)
            if len(mine) != version:
                raise Conflict("You changed this excerpt in another window; reload to see your latest decision.")
            standing = effective(mine)
            previous = status_of(standing, suggestion_id)
            versions = {sid: len(mine) + 1 for sid in lock_excerpt(s, run_id, excerpt_id)}
        else:
            current = lock_excerpt(s, run_id, excerpt_id)
            if current.get(suggestion_id) != version:
                raise Conflict(STALE)
            if not settle_suggestion(s, suggestion_id, version, status, t):  # the version checked again
                raise Conflict(STALE)
            bump_versions(s, run_id, excerpt_id, but=suggestion_id)
            previous = row_status
            standing = effective(decisions_on(s, run_id, [excerpt_id]))
            versions = {sid: v + 1 for sid, v in current.items()}
        before = set(codes_of(standing))
        if action == "accept":
            after = before | {code}
        elif action == "reject":
            after = before - {code}
        else:
            after = (before - {code}) | set(chosen)
        decision = add_decision(s, run_id=run_id, excerpt_id=excerpt_id, suggestion_id=suggestion_id, user_id=user.id,
                                action=action, codes=sorted(after), source=source, created_at=t)
        audit.record(s, user.id, f"decision_{action}", "suggestion", str(suggestion_id), {
            "decision": decision.id, "run": run_id, "excerpt": excerpt_id, "code": code, "chosen": chosen,
            "status_before": previous, "status_after": status, "codes_before": sorted(before),
            "codes_after": sorted(after), "version_seen": version, "double_coded": private}, run_id=run_id)
        return DecisionResult(decision.id, suggestion_id, excerpt_id, previous, status, tuple(sorted(after)), versions)


@dataclass(frozen=True)
class UndoResult:
    decision_id: int
    undone_id: int
    suggestion_id: int | None
    excerpt_id: str
    status: str
    codes: tuple[str, ...]
    versions: dict[int, int]


def undo_last(store: Store, user: CurrentUser, run_id: str) -> UndoResult:
    """Undo the coder's latest standing decision in the run, restoring the status before it."""
    t = datetime.now(timezone.utc)
    with store.transaction() as s:
        target = latest_undoable(s, run_id, user.id)
        if target is None:
            raise Conflict("There is no decision of yours left to undo in this run.")
        excerpt_id = target.excerpt_id
        private = bool(double_coded(s, run_id, [excerpt_id]))
        current = lock_excerpt(s, run_id, excerpt_id)
        if not private:
            bump_versions(s, run_id, excerpt_id, but=None)  # takes SQLite's write lock before reading decisions
        scope = decisions_on(s, run_id, [excerpt_id], user.id if private else None)
        standing = effective(scope)
        if not standing or standing[-1].id != target.id:
            raise Conflict("This excerpt was changed after your decision, so it can no longer be undone; "
                           "decide again instead.")
        rest = standing[:-1]
        status = status_of(rest, target.suggestion_id) if target.suggestion_id else PENDING
        if private:
            versions = {sid: len(scope) + 1 for sid in current}
        else:
            if target.suggestion_id is not None:
                restore_status(s, target.suggestion_id, status, t)
            versions = {sid: v + 1 for sid, v in current.items()}
        codes = codes_of(rest)
        row = add_decision(s, run_id=run_id, excerpt_id=excerpt_id, suggestion_id=target.suggestion_id,
                           user_id=user.id, action="undo", codes=codes, source="app", undoes=target.id, created_at=t)
        audit.record(s, user.id, "decision_undo", "suggestion", str(target.suggestion_id), {
            "decision": row.id, "undoes": target.id, "run": run_id, "excerpt": excerpt_id,
            "status_after": status, "codes_after": codes}, run_id=run_id)
        return UndoResult(row.id, target.id, target.suggestion_id, excerpt_id, status, tuple(codes), versions)


# -- memos -----------------------------------------------------------------------------------


def add_memo(store: Store, user: CurrentUser, excerpt_id: str, text: str, run_id: str | None = None) -> int:
    """A memo on an excerpt. A coder may write one only where they may decide: within their
    scope in ``run_id`` (default: the latest completed run), so a memo cannot be slipped into
    another coder's double-coding or onto excerpts assigned to others."""
    text = text.strip()
    if not text:
        raise BadRequest("A memo needs some text.")
    if len(text) > MAX_MEMO:
        raise BadRequest(f"A memo can be at most {MAX_MEMO} characters.")
    with store.transaction() as s:
        excerpt = excerpt_row(s, excerpt_id)
        if excerpt is None:
            raise NotFound(f"There is no excerpt {excerpt_id!r}.")
        if user.role == "coder":
            run = resolve_run(s, run_id)
            if not in_run(s, run.id, excerpt_id):
                raise Forbidden(f"Excerpt {excerpt_id!r} is not part of run {run.id}.")
            _check_in_scope(s, run.id, user.id, excerpt_id)
            # a memo belongs to the excerpt, not to a run: naming another run must not reach
            # an excerpt that some run assigns to other coders only
            if any(user.id not in coders for coders in assignees_in_every_run(s, excerpt_id).values()):
                raise Forbidden("This excerpt is assigned to other coders.")
        memo = memo_store.add_memo(s, excerpt_id=excerpt_id, transcript_id=excerpt.transcript_id, user_id=user.id,
                                   text=text, created_at=datetime.now(timezone.utc))
        audit.record(s, user.id, "memo", "excerpt", excerpt_id, {"memo": memo.id, "text": text}, run_id=run_id)
        return memo.id


# -- spot checks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SpotCheck(ExcerptShown):
    """An excerpt with no suggestion, shown so that the coder says whether any code applies."""


@dataclass(frozen=True)
class SpotTally:
    """Spot checks decided in a run (everyone's): how many, and how many found a code."""

    checked: int
    coded: int

    def interval(self) -> tuple[float, float] | None:
        """Wilson 95% interval of the share of unsuggested excerpts that carry a code."""
        if not self.checked:
            return None
        from math import sqrt

        z, n, p = 1.959964, self.checked, self.coded / self.checked
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)


def spot_check_due(store: Store, user: CurrentUser, run_id: str) -> SpotCheck | None:
    """The spot check this coder's next card should be, or None when the next card is an
    ordinary suggestion (or no unsuggested excerpt is left)."""
    with store.session() as s:
        made = decisions_made(s, run_id, user.id)
        if not is_spot_check(made, spot_check_share):
            return None
        candidates = spot_check_candidates(s, run_id, user.id)
        if not candidates:
            return None
        e = excerpt_row(s, spot_check_order(candidates, salt=run_id)[0])
        t = transcript_row(s, e.transcript_id)
        return SpotCheck.of(e, t)


def spot_tally(store: Store, run_id: str) -> SpotTally:
    """Standing spot-check decisions in the run (``none`` or ``code`` without a suggestion)."""
    with store.session() as s:
        rows = unsuggested_decisions(s, run_id)
    by_excerpt: dict[str, list[Decision]] = defaultdict(list)
    undone = {d.undoes for d in rows if d.action == "undo"}
    for d in rows:
        if d.action in ("none", "code") and d.id not in undone:
            by_excerpt[d.excerpt_id].append(d)
    checked = len(by_excerpt)
    coded = sum(1 for ds in by_excerpt.values() if ds[-1].codes)
    return SpotTally(checked, coded)


def check(store: Store, user: CurrentUser, run_id: str, excerpt_id: str, codes: Sequence[str] = ()) -> DecisionResult:
    """A spot check's answer: ``none`` when ``codes`` is empty, else ``code`` with them."""
    chosen = sorted({c.strip() for c in codes if c and c.strip()})
    action = "code" if chosen else "none"
    t = datetime.now(timezone.utc)
    with store.transaction() as s:
        if not in_run(s, run_id, excerpt_id):
            raise NotFound(f"Run {run_id} has no excerpt {excerpt_id!r}.")
        if _check_in_scope(s, run_id, user.id, excerpt_id):
            raise BadRequest("This excerpt is double-coded; decide on it through its suggestions.")
        if has_suggestions(s, run_id, excerpt_id):
            raise BadRequest("This excerpt has suggestions; decide on them in the queue.")
        if effective(decisions_on(s, run_id, [excerpt_id])):
            raise Conflict(STALE)
        if chosen:
            known = known_codes(s, get_run(s, run_id))
            unknown = [c for c in chosen if c not in known]
            if unknown:
                raise BadRequest(f"Unknown code(s) {', '.join(unknown)} in this run's codebook.")
        decision = add_decision(s, run_id=run_id, excerpt_id=excerpt_id, suggestion_id=None, user_id=user.id,
                                action=action, codes=chosen, source="app", created_at=t)
        audit.record(s, user.id, f"spot_check_{action}", "excerpt", excerpt_id, {
            "decision": decision.id, "run": run_id, "codes_after": chosen})
        return DecisionResult(decision.id, 0, excerpt_id, PENDING, action, tuple(chosen), {})
