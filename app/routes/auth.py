"""Signing in and out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from app import auth
from app.errors import CsrfFailed
from app.permissions import CurrentUser, home_for, is_signed_in
from app.web import current_user, local_path, render, require, store_of

router = APIRouter()


def _login_page(request: Request, *, status: int = 200, message: str | None = None, next_url: str = "",
                username: str = ""):
    token = auth.new_login_token()
    response = render(request, "login.html", status=status, login_token=token, message=message, next_url=next_url,
                      username=username)
    response.set_cookie(auth.LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login",
                        secure=request.app.state.secure_cookies, max_age=3600)
    return response


@router.get("/login")
def login_form(request: Request, next: str = ""):
    user = current_user(request)
    if user is not None:
        return RedirectResponse(local_path(next, home_for(user)), status_code=303)
    return _login_page(request, next_url=local_path(next, ""))


@router.post("/login")
async def login(request: Request, username: str = Form(""), password: str = Form(""), csrf_token: str = Form(""),
                next: str = Form("")):
    if not auth.tokens_match(request.cookies.get(auth.LOGIN_COOKIE), csrf_token):
        raise CsrfFailed()
    store = store_of(request)
    ip = request.client.host if request.client else "unknown"
    user_id = await run_in_threadpool(auth.authenticate, store, username, password, ip, request.app.state.rate_limit)
    if user_id is None:
        return _login_page(request, status=401, message="Wrong username or password.", next_url=local_path(next, ""),
                           username=username)
    token = await run_in_threadpool(auth.create_session, store, user_id, ip)
    request.state.user = await run_in_threadpool(auth.session_user, store, token)
    response = RedirectResponse(local_path(next, home_for(request.state.user)), status_code=303)
    response.set_cookie(auth.SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=request.app.state.secure_cookies, max_age=int(auth.MAX_AGE.total_seconds()))
    response.delete_cookie(auth.LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, user: CurrentUser = Depends(require(is_signed_in, write=True))):
    auth.revoke_session(store_of(request), request.cookies.get(auth.SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(user: CurrentUser = Depends(require(is_signed_in))):
    return RedirectResponse(home_for(user), status_code=303)
