"""Double-coding: an admin assigns the same excerpts to two coders; their agreement."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

from app.errors import BadRequest
from app.permissions import CurrentUser
from app.review import codes_of, effective
from pipeline.quality.agreement import Agreement, agreement
from pipeline.store import assignments, audit
from pipeline.store.codebooks import codebook_for
from pipeline.store.db import Store
from pipeline.store.studies import get_run


def assign(store: Store, admin: CurrentUser, run_id: str, coder_ids: list[int], *, count: int,
           city: str | None = None) -> list[str]:
    """Assign ``count`` excerpts of the run (with suggestions, not yet assigned to any of these
    coders, optionally from one city) to every coder in ``coder_ids``; the excerpt ids."""
    coder_ids = sorted(set(coder_ids))
    if not coder_ids:
        raise BadRequest("Pick at least one coder.")
    if count < 1 or count > 10_000:
        raise BadRequest("Assign between 1 and 10,000 excerpts.")
    with store.transaction() as s:
        roles = assignments.roles_of(s, coder_ids)
        if any(roles.get(u) != "coder" for u in coder_ids):
            raise BadRequest("Excerpts can only be assigned to coders.")
        picked = assignments.unassigned_suggested(s, run_id, coder_ids, city)[:count]
        assignments.add_assignments(s, run_id, picked, coder_ids)
        audit.record(s, admin.id, "assign", "run", run_id, {"coders": coder_ids, "excerpts": len(picked),
                                                            "city": city}, run_id=run_id)
        return picked


def coder_codings(store: Store, run_id: str) -> dict[int, dict[str, frozenset[str]]]:
    """Each coder's own code set for every assigned excerpt they decided on."""
    with store.session() as s:
        assigned = assignments.assigned_excerpts(s, run_id)
        decisions = defaultdict(list)
        for d in assignments.decisions_by(s, run_id, assigned):
            if d.excerpt_id in assigned[d.user_id]:
                decisions[(d.user_id, d.excerpt_id)].append(d)
    out: dict[int, dict[str, frozenset[str]]] = defaultdict(dict)
    for (user_id, excerpt_id), rows in decisions.items():
        standing = effective(rows)
        if standing:
            out[user_id][excerpt_id] = frozenset(codes_of(standing))
    return out


@dataclass(frozen=True)
class PairAgreement:
    coder_a: str
    coder_b: str
    shared: int
    """Excerpts assigned to both."""
    result: Agreement
    disagreements: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]


def pair_agreements(store: Store, run_id: str, *, bootstrap: int = 1000,
                    codings: dict[int, dict[str, frozenset[str]]] | None = None) -> list[PairAgreement]:
    """Agreement of every pair of coders on the excerpts assigned to both (``codings``: the
    ``coder_codings`` of the run when the caller has read them already)."""
    with store.session() as s:
        run = get_run(s, run_id)
        codes = [c.name for c in codebook_for(s, run).codes] if run is not None and run.codebook_id else None
        assigned = assignments.assigned_excerpts(s, run_id)
        names = assignments.usernames(s)
    if codings is None:
        codings = coder_codings(store, run_id)
    out = []
    for a, b in itertools.combinations(sorted(assigned), 2):
        shared = assigned[a] & assigned[b]
        if not shared:
            continue
        ca, cb = codings.get(a, {}), codings.get(b, {})
        both = sorted(e for e in shared if e in ca and e in cb)
        result = agreement(ca, cb, codes=codes, units=both, bootstrap=bootstrap)
        differ = tuple((e, tuple(sorted(ca[e])), tuple(sorted(cb[e]))) for e in both if ca[e] != cb[e])
        out.append(PairAgreement(names[a], names[b], len(shared), result, differ))
    return out
