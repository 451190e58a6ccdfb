"""Emergent themes: name them, turn them into codes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request

from app import themes
from app.permissions import CurrentUser, can_name_themes
from app.web import done, render, require, run_for, store_of

router = APIRouter()


@router.get("/themes")
def theme_list(request: Request, user: CurrentUser = Depends(require(can_name_themes)), run: str = ""):
    store = store_of(request)
    with store.session() as s:
        the_run = run_for(request, s, run)
    return render(request, "themes.html", run=the_run, themes=themes.emergent_themes(store, the_run.id))


@router.post("/themes/{topic_id}/name")
def name(request: Request, topic_id: int, user: CurrentUser = Depends(require(can_name_themes, write=True)),
         run: str = Form(""), name: str = Form("")):
    store = store_of(request)
    with store.session() as s:
        the_run = run_for(request, s, run, write=True)
    themes.name_theme(store, user, the_run.id, topic_id, name)
    return done(request, {"ok": True}, f"/themes?run={the_run.id}#topic-{topic_id}")


@router.post("/themes/{topic_id}/code")
def to_code(request: Request, topic_id: int, user: CurrentUser = Depends(require(can_name_themes, write=True)),
            run: str = Form(""), description: str = Form("")):
    store = store_of(request)
    with store.session() as s:
        the_run = run_for(request, s, run, write=True)
    code = themes.promote_theme(store, user, the_run.id, topic_id, description)
    return done(request, {"ok": True, "code": code}, f"/themes?run={the_run.id}#topic-{topic_id}")
