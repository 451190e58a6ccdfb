"""Reconciling double-coding: where the coders of an excerpt disagree, an admin records the
codes they agreed on.

The agreed codes are a decision like any other (append-only, audited): ``source="reconciled"``,
by the admin, ``action`` ``code`` (``none`` when no code applies), ``codes`` the agreed set,
no suggestion. From then on they are the excerpt's coding everywhere codes are read
(``pipeline.quality.precedence``); the coders' own decisions stay, and so does the agreement
between them ("before"). "After" compares each coder with the final codes: the agreed codes
where an admin reconciled, the coders' common codes where they never differed.

Concurrency: the form carries the number of decisions on the excerpt in the run when the page
was drawn (``version``). A coder who changed their codes since, or another admin who
reconciled first, makes it stale: 409, never a silent overwrite. The count is read after the
new row is written, so it runs under SQLite's write lock and, on PostgreSQL, after the
excerpt's suggestion rows are locked as every decision on it locks them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Sequence

from app.doublecoding import PairAgreement, coder_codings, pair_agreements
from app.errors import BadRequest, Conflict
from app.permissions import CurrentUser
from app.review import ExcerptShown, _source
from pipeline.errors import NotFound
from pipeline.quality import precedence
from pipeline.quality.agreement import Agreement, agreement
from pipeline.store import audit
from pipeline.store.assignments import double_coded, usernames
from pipeline.store.codebooks import codebook_for, known_codes
from pipeline.store.db import Store
from pipeline.store.decisions import add_decision, decision_count, decisions_before, decisions_on_many, lock_excerpt
from pipeline.store.runs import excerpts_with_transcripts
from pipeline.store.studies import get_run, is_latest

if TYPE_CHECKING:
    from pipeline.store.models import Decision


@dataclass(frozen=True)
class DoubleCoded(ExcerptShown):
    """One double-coded excerpt that every one of its coders has decided on."""

    source: str
    coders: tuple[tuple[str, tuple[str, ...]], ...]
    """(coder, their current codes), by coder name."""
    agreed: tuple[str, ...] | None
    """The reconciled codes, or ``None`` while nobody has reconciled the excerpt."""
    reconciled_by: str | None
    version: int
    """Decisions on the excerpt in the run: the form's guard against a stale page."""
    changed_since: tuple[str, ...] = ()
    """Coders who decided on the excerpt again after it was reconciled (the agreed codes
    still stand; the admin may want to look again)."""

    @property
    def differ(self) -> bool:
        return len({codes for _, codes in self.coders}) > 1

    @property
    def common(self) -> tuple[str, ...]:
        """The codes every coder applied."""
        return tuple(sorted(set.intersection(*(set(codes) for _, codes in self.coders))))

    @property
    def final(self) -> tuple[str, ...] | None:
        """What the excerpt's codes are now: agreed by reconciliation, or by the coders alike."""
        if self.agreed is not None:
            return self.agreed
        return None if self.differ else self.coders[0][1]


@dataclass(frozen=True)
class CoderAfter:
    coder: str
    result: Agreement
    """The coder's codes against the final codes, over the excerpts that have final codes."""


@dataclass(frozen=True)
class Reconciliation:
    run_id: str
    open: tuple[DoubleCoded, ...]
    """The coders differ and nobody has reconciled: what is left to do."""
    reconciled: tuple[DoubleCoded, ...]
    agreed: int
    """Excerpts the coders coded alike, not reconciled (nothing to do)."""
    waiting: int
    """Double-coded excerpts some coder has not decided on yet."""
    before: tuple[PairAgreement, ...]
    after: tuple[CoderAfter, ...]


def load(store: Store, run_id: str, *, bootstrap: int = 500) -> Reconciliation:
    """Every double-coded excerpt of the run, sorted into open, reconciled and agreed, and the
    agreement before and after reconciling."""
    codings = coder_codings(store, run_id)
    with store.session() as s:
        run = get_run(s, run_id)
        codes = [c.name for c in codebook_for(s, run).codes] if run is not None and run.codebook_id else None
        private = double_coded(s, run_id)
        names = usernames(s)
        rows: dict[str, list[Decision]] = defaultdict(list)
        ids = sorted(private)
        for d in decisions_on_many(s, run_id, ids):
            rows[d.excerpt_id].append(d)
        agreed = precedence.reconciled(d for ds in rows.values() for d in ds)
        decided = [e for e in ids if all(e in codings.get(u, {}) for u in private[e])]
        details = excerpts_with_transcripts(s, decided)
        items = []
        for excerpt_id in decided:
            e, t = details[excerpt_id]
            by = agreed.get(excerpt_id)
            coders = tuple(sorted((names[u], tuple(sorted(codings[u][excerpt_id]))) for u in private[excerpt_id]))
            later = sorted({names[d.user_id] for d in rows.get(excerpt_id, ())
                            if by is not None and d.id > by.id and d.user_id in private[excerpt_id]})
            items.append(DoubleCoded.of(
                e, t, source=_source(e, t), coders=coders,
                agreed=tuple(sorted(by.codes or ())) if by is not None else None,
                reconciled_by=names.get(by.user_id) if by else None, version=len(rows.get(excerpt_id, ())),
                changed_since=tuple(later)))
    before = tuple(pair_agreements(store, run_id, bootstrap=bootstrap, codings=codings))
    final = {i.excerpt_id: frozenset(i.final) for i in items if i.final is not None}
    after = []
    for user_id in sorted({u for e in decided for u in private[e]}, key=lambda u: names[u]):
        own = codings.get(user_id, {})
        units = sorted(e for e in final if e in own)
        if units:
            after.append(CoderAfter(names[user_id], agreement(own, final, codes=codes, units=units,
                                                              bootstrap=bootstrap)))
    order = lambda i: (i.city or "", i.transcript_id, i.excerpt_id)  # noqa: E731
    return Reconciliation(
        run_id,
        open=tuple(sorted((i for i in items if i.agreed is None and i.differ), key=order)),
        reconciled=tuple(sorted((i for i in items if i.agreed is not None), key=order)),
        agreed=sum(1 for i in items if i.agreed is None and not i.differ),
        waiting=len(ids) - len(decided),
        before=before, after=tuple(after))


@dataclass(frozen=True)
class Reconciled:
    decision_id: int
    excerpt_id: str
    codes: tuple[str, ...]
    version: int


def reconcile(store: Store, admin: CurrentUser, run_id: str, excerpt_id: str, codes: Sequence[str],
              version: int) -> Reconciled:
    """Record ``codes`` as the agreed codes of a double-coded excerpt: a decision with source
    ``reconciled`` and its audit row, in one transaction."""
    chosen = sorted({c.strip() for c in codes if c and c.strip()})
    t = datetime.now(timezone.utc)
    with store.transaction() as s:
        run = get_run(s, run_id)
        if run is None:
            raise NotFound(f"There is no run {run_id!r}.")
        if not is_latest(s, run):
            raise Conflict(f"Run {run_id!r} is an earlier run of study {run.study!r}: it can be read, not "
                           "changed. Reconcile in the study's latest run.")
        coders = double_coded(s, run_id, [excerpt_id]).get(excerpt_id)
        if not coders:
            raise BadRequest(f"Excerpt {excerpt_id!r} is not double-coded in run {run_id}: there is nothing to "
                             "reconcile.")
        unknown = [c for c in chosen if c not in known_codes(s, run)]
        if unknown:
            raise BadRequest(f"Unknown code(s) {', '.join(unknown)} in this run's codebook.")
        lock_excerpt(s, run_id, excerpt_id)
        # the write first: what is counted next is counted under the write lock
        decision = add_decision(s, run_id=run_id, excerpt_id=excerpt_id, suggestion_id=None, user_id=admin.id,
                                action="code" if chosen else "none", codes=chosen, source=precedence.RECONCILED,
                                created_at=t)
        if decision_count(s, run_id, excerpt_id, below=decision.id) != version:
            raise Conflict("A coder or another admin changed this excerpt while you were looking at it, so the "
                           "agreed codes were not saved. Reload to see its codes now, then reconcile again.")
        earlier = decisions_before(s, run_id, excerpt_id, decision.id)
        previous = precedence.reconciled(earlier).get(excerpt_id)
        audit.record(s, admin.id, "reconcile", "excerpt", excerpt_id, {
            "decision": decision.id, "run": run_id, "excerpt": excerpt_id, "codes_after": chosen,
            "codes_before": sorted(previous.codes or ()) if previous is not None else None,
            "coders": sorted(coders), "version_seen": version}, run_id=run_id)
        return Reconciled(decision.id, excerpt_id, tuple(chosen), version + 1)
