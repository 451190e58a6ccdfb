"""A user's own account: changing their password."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from starlette.concurrency import run_in_threadpool

from app import accounts, auth
from app.permissions import CurrentUser, can_change_own_password, home_for
from app.web import done, render, require, store_of

router = APIRouter()


@router.get("/account")
def account(request: Request, user: CurrentUser = Depends(require(can_change_own_password))):
    return render(request, "account.html")


@router.post("/account/password")
async def change_password(request: Request, user: CurrentUser = Depends(require(can_change_own_password, write=True)),
                          current: str = Form(""), password: str = Form(""), repeat: str = Form("")):
    await run_in_threadpool(accounts.change_own_password, store_of(request), user.id, current, password, repeat,
                            session_token=request.cookies.get(auth.SESSION_COOKIE))
    return done(request, {"ok": True}, home_for(CurrentUser(user.id, user.username, user.role)))
