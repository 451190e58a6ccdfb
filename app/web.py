"""What every route shares: the template environment, the signed-in user, CSRF checks, replies."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import quote, unquote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool

from app.auth import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, session_user, tokens_match
from app.data import city_key
from app.errors import BadRequest, Conflict, CsrfFailed, Forbidden, LoginRequired, PasswordChangeRequired
from app.permissions import CurrentUser, can_change_own_password, is_signed_in
from pipeline.store import studies
from pipeline.store.db import Store

if TYPE_CHECKING:  # a run row, as the store's functions return it
    from pipeline.store.models import Run

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


def format_time(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _pct(count: int, of: int) -> str:
    return f"{count / of:.0%}" if of else "–"


def make_environment() -> Environment:
    # autoescape on for every template: transcript text is arbitrary user data
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pq"] = lambda s: quote(str(s), safe="")
    env.filters["citypath"] = lambda s: quote(city_key(str(s)), safe="")  # a city in a /cities/ URL
    env.filters["dt"] = format_time
    env.filters["pct"] = _pct
    env.filters["human"] = lambda s: (s or "unknown").replace("_", " ")
    env.globals["qs"] = lambda **kw: urlencode({k: v for k, v in kw.items() if v not in (None, "")})
    return env


def store_of(request: Request) -> Store:
    return request.app.state.store


def current_user(request: Request) -> CurrentUser | None:
    if not hasattr(request.state, "user"):
        request.state.user = session_user(store_of(request), request.cookies.get(SESSION_COOKIE))
    return request.state.user


def require(permission: Callable[[CurrentUser], bool], *, write: bool = False):
    """A route dependency: signed in, allowed by ``permission`` and, for writes, a valid CSRF token."""

    async def dependency(request: Request) -> CurrentUser:
        user = await run_in_threadpool(current_user, request)
        if user is None:
            raise LoginRequired()
        if not permission(user):
            raise Forbidden()
        if user.must_change_password and permission not in (can_change_own_password, is_signed_in):
            raise PasswordChangeRequired()
        if write:
            token = request.headers.get(CSRF_HEADER)
            if token is None:
                form = await request.form()
                token = form.get(CSRF_FIELD)
            if not tokens_match(user.csrf_token, token if isinstance(token, str) else None):
                raise CsrfFailed()
        return user

    dependency.__name__ = f"require_{permission.__name__}"
    dependency.permission = permission  # read by the route-table test
    dependency.write = write
    return dependency


STUDY_COOKIE = "qualflow_study"
"""The study a browser last switched to (``/studies?study=NAME``); pages open its latest run."""


def chosen_study(request: Request) -> str | None:
    """The study this request is about: ``?study=`` first, else the browser's choice."""
    name = request.query_params.get("study") or unquote(request.cookies.get(STUDY_COOKIE, ""))
    return name or None


def run_for(request: Request, session, run: str | None, *, write: bool = False) -> Run:
    """The run a page shows: the named one (any study), else the chosen study's latest run.

    A browser's remembered study that has since gone falls back to the store's latest run.
    ``write``: only a study's latest run can be changed; earlier runs are read-only.
    """
    study = chosen_study(request)
    if not run and study and "study" not in request.query_params and not studies.has_study(session, study):
        study = None
    the_run = studies.resolve_run(session, run or None, None if run else study)
    if write and not studies.is_latest(session, the_run):
        raise Conflict(f"Run {the_run.id!r} is an earlier run of study {the_run.study!r}: it can be read, "
                       "not changed. Open the study's latest run to work on it.")
    request.state.run = the_run
    return the_run


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "") or request.headers.get("x-requested-with") == "fetch"


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    html = request.app.state.templates.get_template(template).render(
        request=request, user=user, csrf_token=user.csrf_token if user else "", **study_context(request, user),
        **context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def study_context(request: Request, user) -> dict:
    """What the study switcher in every page's header shows: every study, the one in view and
    whether the run in view is an earlier (read-only) one."""
    if user is None or user.must_change_password:
        return {"studies": [], "study_now": None, "read_only_run": None}
    shown = getattr(request.state, "run", None)
    with store_of(request).session() as s:
        names = studies.study_names(s)
        now = shown.study if shown is not None else chosen_study(request)
        earlier = shown is not None and not studies.is_latest(s, shown)
    return {"studies": names, "study_now": now if now in names else None,
            "read_only_run": shown.id if earlier else None}


def remember_study(response, request: Request, name: str):
    response.set_cookie(STUDY_COOKIE, quote(name, safe=""), httponly=True, samesite="lax", path="/",
                        secure=request.app.state.secure_cookies, max_age=90 * 24 * 3600)
    return response


def local_path(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site (never another host: no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def done(request: Request, payload: dict, next_url: str) -> JSONResponse | RedirectResponse:
    """A write's reply: JSON for ``fetch``, else back to the page (POST-redirect-GET)."""
    if wants_json(request):
        return JSONResponse(payload)
    return RedirectResponse(next_url, status_code=303)


def form_int(value: str | None, name: str, default: int | None = None) -> int:
    if value in (None, ""):
        if default is None:
            raise BadRequest(f"The form is missing {name!r}.")
        return default
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"{name!r} should be a whole number.") from None


def form_float(value: str | None, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise BadRequest(f"{name!r} should be a number between 0 and 1.") from None
