"""A coder's queue, decisions, undo, memos, and the transcript page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request

from app import review
from app.data import code_labels
from app.errors import BadRequest
from app.permissions import CurrentUser, can_read_transcripts, can_review, can_write_memo
from app.web import done, form_float, form_int, local_path, render, require, run_for, store_of
from pipeline.errors import NotFound
from pipeline.store.codebooks import codebook_for
from pipeline.store.repository import stored_excerpts
from pipeline.store.runs import stored_transcript

router = APIRouter()
PAGE = 20


@router.get("/queue")
def queue(request: Request, user: CurrentUser = Depends(require(can_review)), run: str = "", city: str = "",
          language: str = "", role: str = "", code: str = "", min_conf: str = "", max_conf: str = "",
          section: str = "", status: str = "pending", offset: str = "0"):
    store = store_of(request)
    if status not in ("pending", "decided", "all"):
        raise BadRequest("status is one of pending, decided, all.")
    filters = review.QueueFilters(city or None, language or None, role or None, code or None,
                                  form_float(min_conf, "min_conf"), form_float(max_conf, "max_conf"),
                                  section or None, status)
    with store.session() as s:
        the_run = run_for(request, s, run)
        book = codebook_for(s, the_run) if the_run.codebook_id else None
    start = max(form_int(offset, "offset", 0), 0)
    q = review.load_queue(store, user, the_run.id, filters, offset=start, limit=PAGE)
    spot = review.spot_check_due(store, user, the_run.id) if status == "pending" else None
    tally = review.spot_tally(store, the_run.id)
    labels = code_labels(book) if book else {}
    codes = [(c.name, c.label, c.parent) for c in book.codes] if book else []
    params = dict(run=run, city=city, language=language, role=role, code=code, min_conf=min_conf,
                  max_conf=max_conf, section=section, status=status)
    return render(request, "queue.html", queue=q, run=the_run, labels=labels, codes=codes, params=params,
                  spot=spot, tally=tally, tally_interval=tally.interval(),
                  page=PAGE, here=str(request.url.path) + ("?" + request.url.query if request.url.query else ""))


@router.post("/suggestions/{suggestion_id}/decision")
def decision(request: Request, suggestion_id: int, user: CurrentUser = Depends(require(can_review, write=True)),
             action: str = Form(...), version: str = Form(...), codes: Annotated[list[str], Form()] = [],
             next: str = Form("")):
    result = review.decide(store_of(request), user, suggestion_id, action, form_int(version, "version"), codes)
    return done(request, {"ok": True, "decision": result.decision_id, "suggestion": result.suggestion_id,
                          "excerpt": result.excerpt_id, "previous_status": result.previous_status,
                          "status": result.status, "codes": list(result.codes),
                          "versions": {str(k): v for k, v in result.versions.items()}},
                local_path(next, "/queue"))


@router.post("/excerpts/{excerpt_id}/check")
def spot_check(request: Request, excerpt_id: str, user: CurrentUser = Depends(require(can_review, write=True)),
               run: str = Form(""), codes: Annotated[list[str], Form()] = [], next: str = Form("")):
    """A spot check's answer: no code applies (no ``codes``), or these codes do."""
    store = store_of(request)
    with store.session() as s:
        the_run = run_for(request, s, run, write=True)
    result = review.check(store, user, the_run.id, excerpt_id, codes)
    return done(request, {"ok": True, "decision": result.decision_id, "excerpt": result.excerpt_id,
                          "action": result.status, "codes": list(result.codes)}, local_path(next, "/queue"))


@router.post("/queue/undo")
def undo(request: Request, user: CurrentUser = Depends(require(can_review, write=True)), run: str = Form(""),
         next: str = Form("")):
    store = store_of(request)
    with store.session() as s:
        the_run = run_for(request, s, run, write=True)
    result = review.undo_last(store, user, the_run.id)
    return done(request, {"ok": True, "decision": result.decision_id, "undone": result.undone_id,
                          "suggestion": result.suggestion_id, "excerpt": result.excerpt_id, "status": result.status,
                          "codes": list(result.codes), "versions": {str(k): v for k, v in result.versions.items()}},
                local_path(next, "/queue"))


@router.post("/excerpts/{excerpt_id}/memos")
def memo(request: Request, excerpt_id: str, user: CurrentUser = Depends(require(can_write_memo, write=True)),
         text: str = Form(""), run: str = Form(""), next: str = Form("")):
    store = store_of(request)
    with store.session() as s:
        the_run = run_for(request, s, run) if user.role == "coder" else None
    memo_id = review.add_memo(store, user, excerpt_id, text, the_run.id if the_run else (run or None))
    return done(request, {"ok": True, "memo": memo_id}, local_path(next, "/queue"))


@router.get("/transcripts/{transcript_id}")
def transcript(request: Request, transcript_id: str, user: CurrentUser = Depends(require(can_read_transcripts)),
               excerpt: str = "", run: str = ""):
    with store_of(request).session() as s:
        shown = stored_transcript(s, transcript_id)
        if shown is None:
            raise NotFound(f"There is no transcript {transcript_id!r}.")
        mark = stored_excerpts(s, [excerpt]).get(excerpt) if excerpt else None
        if mark is not None and mark.transcript_id != transcript_id:
            mark = None
    # the page shows turn by turn; the highlighted excerpt is cut out of its turn by its offsets
    # (code points into the stored text, the same unit Python strings index by)
    parts = []
    for t in shown.turns:
        body = t.text
        if mark is not None and t.start <= mark.start and mark.end <= t.end:
            a, b = mark.start - t.start, mark.end - t.start
            parts.append((t, body[:a], body[a:b], body[b:]))
        else:
            parts.append((t, body, None, None))
    return render(request, "transcript.html", transcript=shown, parts=parts, mark=mark, run=run)
