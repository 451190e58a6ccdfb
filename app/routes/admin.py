"""Admins: runs and their codebooks, users, double-coding assignments, agreement and reconciling, the audit log."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from app import accounts, auth, doublecoding, reconcile
from app.data import code_labels
from app.permissions import (CurrentUser, ROLES, can_assign, can_manage_runs, can_manage_users, can_reconcile,
                             can_see_agreement, can_see_reconciliation, can_view_audit)
from app.web import chosen_study, done, form_int, local_path, render, require, run_for, store_of
from pipeline.store import audit
from pipeline.store.codebooks import codebook_for
from pipeline.store.runs import active_coders, assignment_counts, cities_of, code_origins, run_progress, runs
from pipeline.store.studies import has_study, is_latest, latest_run

router = APIRouter(prefix="/admin")


@router.get("")
def overview(request: Request, user: CurrentUser = Depends(require(can_manage_runs))):
    with store_of(request).session() as s:
        rows = []
        study = _study_in_view(request, s)
        for run in runs(s, study):
            suggestions, pending, decisions = run_progress(s, run.id)
            rows.append({"run": run, "suggestions": suggestions, "pending": pending, "decisions": decisions})
    return render(request, "admin.html", runs=rows, study=study)


def _study_in_view(request: Request, s) -> str | None:
    """The chosen study, else that of the store's latest run (``None`` in a store without runs)."""
    chosen = chosen_study(request)
    if chosen and has_study(s, chosen):
        return chosen
    newest = latest_run(s)
    return newest.study if newest is not None else None


@router.get("/codebook")
def codebook(request: Request, user: CurrentUser = Depends(require(can_manage_runs)), run: str = ""):
    with store_of(request).session() as s:
        the_run = run_for(request, s, run)
        book = codebook_for(s, the_run)
        origin = code_origins(s, the_run.codebook_id)
    return render(request, "codebook.html", run=the_run, book=book, origin=origin)


@router.get("/users")
def users(request: Request, user: CurrentUser = Depends(require(can_manage_users))):
    return render(request, "users.html", users=auth.list_users(store_of(request)), roles=ROLES)


@router.post("/users")
def add_user(request: Request, user: CurrentUser = Depends(require(can_manage_users, write=True)),
             username: str = Form(""), role: str = Form(""), password: str = Form("")):
    auth.add_user(store_of(request), username, role, password, by=user.id)
    return done(request, {"ok": True}, "/admin/users")


@router.post("/users/{user_id}/active")
def set_active(request: Request, user_id: int, user: CurrentUser = Depends(require(can_manage_users, write=True)),
               active: str = Form("0")):
    auth.set_active(store_of(request), user_id, active == "1", by=user.id)
    return done(request, {"ok": True}, "/admin/users")


@router.post("/users/{user_id}/password")
def reset_password(request: Request, user_id: int, user: CurrentUser = Depends(require(can_manage_users, write=True)),
                   password: str = Form("")):
    accounts.reset_password(store_of(request), user_id, password, by=user.id)
    return done(request, {"ok": True}, "/admin/users")


@router.get("/assignments")
def assignments(request: Request, user: CurrentUser = Depends(require(can_assign)), run: str = ""):
    with store_of(request).session() as s:
        the_run = run_for(request, s, run)
        coders = active_coders(s)
        counts = assignment_counts(s, the_run.id)
        cities = cities_of(s, the_run.id)
    return render(request, "assignments.html", run=the_run, coders=coders, counts=counts, cities=cities)


@router.post("/assignments")
def assign(request: Request, user: CurrentUser = Depends(require(can_assign, write=True)), run: str = Form(""),
           coders: Annotated[list[str], Form()] = [], count: str = Form("20"), city: str = Form("")):
    store = store_of(request)
    with store.session() as s:
        the_run = run_for(request, s, run, write=True)
    picked = doublecoding.assign(store, user, the_run.id, [form_int(c, "coders") for c in coders],
                                 count=form_int(count, "count"), city=city or None)
    return done(request, {"ok": True, "excerpts": picked}, f"/admin/assignments?run={the_run.id}")


@router.get("/agreement")
def agreement(request: Request, user: CurrentUser = Depends(require(can_see_agreement)), run: str = ""):
    store = store_of(request)
    with store.session() as s:
        the_run = run_for(request, s, run)
    pairs = doublecoding.pair_agreements(store, the_run.id, bootstrap=500)
    return render(request, "agreement.html", run=the_run, pairs=pairs)


@router.get("/reconcile")
def reconciliation(request: Request, user: CurrentUser = Depends(require(can_see_reconciliation)), run: str = ""):
    store = store_of(request)
    with store.session() as s:
        the_run = run_for(request, s, run)
        book = codebook_for(s, the_run) if the_run.codebook_id else None
        may_write = can_reconcile(user) and is_latest(s, the_run)
    state = reconcile.load(store, the_run.id)
    codes = [(c.name, c.label, c.parent) for c in book.codes] if book else []
    here = str(request.url.path) + ("?" + request.url.query if request.url.query else "")
    return render(request, "reconcile.html", run=the_run, state=state, codes=codes, may_write=may_write,
                  labels=code_labels(book) if book else {}, here=here)


@router.post("/reconcile/{excerpt_id}")
def record_agreed(request: Request, excerpt_id: str, user: CurrentUser = Depends(require(can_reconcile, write=True)),
                  run: str = Form(""), version: str = Form(...), codes: Annotated[list[str], Form()] = [],
                  next: str = Form("")):
    """The agreed codes of a double-coded excerpt (none checked: no code applies)."""
    store = store_of(request)
    with store.session() as s:
        the_run = run_for(request, s, run, write=True)
    result = reconcile.reconcile(store, user, the_run.id, excerpt_id, codes, form_int(version, "version"))
    return done(request, {"ok": True, "decision": result.decision_id, "excerpt": result.excerpt_id,
                          "codes": list(result.codes), "version": result.version},
                local_path(next, f"/admin/reconcile?run={the_run.id}"))


@router.get("/audit")
def audit_log(request: Request, user: CurrentUser = Depends(require(can_view_audit)), before: str = ""):
    with store_of(request).session() as s:
        study = _study_in_view(request, s)
        rows = audit.entries(s, limit=200, before_id=form_int(before, "before") if before else None, study=study)
    return render(request, "audit.html", rows=rows, study=study)


@router.get("/audit.csv")
def audit_csv(request: Request, user: CurrentUser = Depends(require(can_view_audit))):
    with store_of(request).session() as s:
        study = _study_in_view(request, s)
        text = audit.export_csv(s, study)
    name = "qualflow-audit" + (f"-{re.sub(r'[^A-Za-z0-9_-]+', '_', study)}" if study else "") + ".csv"
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})
