"""``create_app(store_url)``: the review app on the pipeline's store.

``qualflow serve --workers N`` runs N processes, each building its own app with
``from_environment()`` from what ``set_environment`` put in the environment; nothing else is
shared between them but the store (sessions and sign-in limits live there).

Every ``QualflowError`` (the pipeline's and the app's own) becomes a response here, in one
handler: 400 for a user error unless it names another status (401, 403, 404, 409, 429).
"""

from __future__ import annotations

import os

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from urllib.parse import quote

from fastapi.routing import APIRoute

from app.auth import RateLimit
from app.errors import BadRequest, LoginRequired, PasswordChangeRequired, http_status
from app.web import STATIC, make_environment, render, wants_json
from pipeline.errors import QualflowError
from pipeline.store.db import Store

SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                 b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


HSTS = (b"strict-transport-security", b"max-age=31536000")
"""Sent only with ``secure_cookies``: the app is then reached over HTTPS, and browsers should
never again try it in clear (where a session cookie could be stripped or a page altered)."""


class SecurityHeaders:
    """Plain ASGI middleware (no per-request task overhead) adding the headers above."""

    def __init__(self, app, *, https: bool = False) -> None:
        self.app = app
        self.headers = SECURITY_HEADERS + ([HSTS] if https else [])

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + self.headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def routers():
    """The app's routers, in the order they are included."""
    from app.routes import account, admin, auth, cities, review, studies, themes

    return (auth.router, account.router, studies.router, review.router, themes.router, cities.router, admin.router)


def api_routes(application: FastAPI) -> list[APIRoute]:
    """Every route the app serves (the app's own and its routers'), for the route-table test."""
    own = [r for r in application.routes if isinstance(r, APIRoute)]
    return own + [r for router in routers() for r in router.routes if isinstance(r, APIRoute)]


def create_app(store_url: str | None = None, *, store: Store | None = None, secure_cookies: bool = False,
               rate_limit: RateLimit = RateLimit()) -> FastAPI:
    """The app over ``store_url`` (default: ``QUALFLOW_DATABASE_URL`` or ``outputs/qualflow.db``).

    ``secure_cookies``: set when the app is served over HTTPS (behind a proxy), so the
    session cookie is never sent in clear and browsers are told to use HTTPS only (HSTS).
    """
    application = FastAPI(title="qualflow review", docs_url=None, redoc_url=None, openapi_url=None)
    application.state.store = store or Store(store_url)
    application.state.templates = make_environment()
    application.state.secure_cookies = secure_cookies
    application.state.rate_limit = rate_limit
    application.add_middleware(SecurityHeaders, https=secure_cookies)
    application.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for router in routers():
        application.include_router(router)

    @application.exception_handler(QualflowError)
    async def user_error(request: Request, exc: QualflowError):
        status = http_status(exc)
        if isinstance(exc, LoginRequired) and request.method in ("GET", "HEAD") and not wants_json(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        if isinstance(exc, PasswordChangeRequired) and request.method in ("GET", "HEAD") and not wants_json(request):
            return RedirectResponse("/account", status_code=303)
        if wants_json(request):
            return JSONResponse({"error": str(exc), "status": status}, status_code=status)
        return render(request, "error.html", status=status, message=str(exc), status_code=status)

    @application.exception_handler(RequestValidationError)
    async def bad_form(request: Request, exc: RequestValidationError):
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors()) or "the form"
        return await user_error(request, BadRequest(f"The request is missing or has a bad value for: {fields}."))

    @application.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        # unknown paths and methods: the same page as any other error, not a bare JSON body
        if wants_json(request) or exc.status_code < 400:
            return JSONResponse({"error": str(exc.detail), "status": exc.status_code}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        return render(request, "error.html", status=exc.status_code, message=str(exc.detail),
                      status_code=exc.status_code)

    @application.get("/healthz", include_in_schema=False)
    def healthz() -> HTMLResponse:
        # which worker process answered: with --workers N, for operators and the test that
        # checks the requests are spread (a process id tells an attacker nothing useful)
        return HTMLResponse("ok", headers={WORKER_HEADER: str(os.getpid())})

    return application


WORKER_HEADER = "X-Qualflow-Worker"
SECURE_COOKIES_ENV = "QUALFLOW_SECURE_COOKIES"


def set_environment(store_url: str, *, secure_cookies: bool = False) -> None:
    """Put what ``from_environment`` reads into this process's environment (workers inherit it)."""
    os.environ["QUALFLOW_DATABASE_URL"] = store_url
    os.environ[SECURE_COOKIES_ENV] = "1" if secure_cookies else "0"


def from_environment() -> FastAPI:
    """The app of one worker process: the store ``QUALFLOW_DATABASE_URL`` names, and secure
    cookies when ``QUALFLOW_SECURE_COOKIES`` is 1 (``uvicorn --factory app.main:from_environment``)."""
    url = os.environ.get("QUALFLOW_DATABASE_URL")
    if not url:
        raise RuntimeError("QUALFLOW_DATABASE_URL is not set: start workers with `qualflow serve --workers N`")
    # the parent process migrated the store already; each worker only checks (cheap when at head)
    return create_app(url, secure_cookies=os.environ.get(SECURE_COOKIES_ENV) == "1")
