"""The store's decisions of one coder as gold, for human-vs-human agreement and for
evaluating on what coders decided."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.quality.gold.base import Gold, GoldSpan


def decisions_gold(store, username: str, *, run_id: str | None = None,
                   sources: Sequence[str] | None = None, reconciled: bool = False) -> Gold:
    """One coder's current codes from the append-only ``decisions`` table, as gold.

    A decision's ``codes`` is the code set *after* it, so the latest decision per unit is
    the coder's current view. The unit is the excerpt, or the hand-coded span
    (``start``/``end``) for a decision that codes one; an ``undo`` belongs to the unit of the
    decision it undoes. An empty set (every suggestion rejected) is kept: the coder looked
    at the excerpt and no code applies.

    ``reconciled`` (gold for evaluation): on an excerpt of this coder's that an admin
    reconciled, the agreed codes replace the coder's own, whole excerpt and spans
    (``pipeline.quality.precedence``). Without it (agreement between coders) the coder's own.
    """
    from pipeline.store.repository import Repository

    repo = Repository(store)
    current = repo.current_codes(coder=username, run_id=run_id, sources=sources)
    if reconciled and current:  # the agreed codes stand for the excerpt, in place of the coder's own units on it
        from pipeline.store.codings import with_agreed

        mine = {c.excerpt_id for c in current.values()}
        current = with_agreed(current, repo.current_codes(mine, run_id=run_id))
    excerpts = repo.excerpts({c.excerpt_id for c in current.values()})
    texts = repo.transcript_texts({e.transcript_id for e in excerpts.values()})
    spans = []
    for c in current.values():
        e = excerpts[c.excerpt_id]
        a, b = (c.start, c.end) if c.start is not None and c.end is not None else (e.start, e.end)
        spans.append(GoldSpan(e.transcript_id, a, b, frozenset(c.codes), texts[e.transcript_id][a:b],
                              f"decision {c.decision_id}", True, c.excerpt_id if c.start is None else None))
    spans.sort(key=lambda s: (s.transcript_id, s.start, s.end))
    return Gold(f"decisions of {username}", tuple(spans), (), len(spans))


__all__ = ["decisions_gold"]
