"""``qualflow users add|passwd|list`` and ``qualflow serve``. Heavy imports happen inside the commands."""

from __future__ import annotations

import sys
from typing import Optional

import typer

ROLE_HELP = "admin (users, runs, codebook), coder (review and code) or validator (sign off city summaries)"


def read_password(*, stdin=None, prompt=None) -> str:
    """Asked twice (never echoed) at a terminal; otherwise the first line of standard input."""
    stdin = stdin or sys.stdin
    if not stdin.isatty():
        line = stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    import getpass

    ask = prompt or getpass.getpass
    first = ask("Password: ")
    if ask("Repeat password: ") != first:
        from app.errors import BadRequest

        raise BadRequest("The two passwords differ; nothing was saved.")
    return first


def register(app: typer.Typer) -> None:
    users = typer.Typer(no_args_is_help=True, help="People who sign in to the review app.")
    app.add_typer(users, name="users")

    @users.command("add")
    def users_add(
        name: str = typer.Argument(..., help="Username (no spaces)."),
        role: str = typer.Option(..., "--role", help=ROLE_HELP),
        database: Optional[str] = typer.Option(None, "--database", envvar="QUALFLOW_DATABASE_URL",
                                               help="Store URL (default: outputs/qualflow.db)."),
    ) -> None:
        """Add a user; the password is asked twice and never echoed (or read from standard input)."""
        from app.auth import add_user
        from pipeline.store.db import Store

        password = read_password()
        add_user(Store(database), name, role, password)
        typer.echo(f"Added {name} ({role}).")

    @users.command("passwd")
    def users_passwd(
        name: str = typer.Argument(..., help="The user whose password to reset."),
        database: Optional[str] = typer.Option(None, "--database", envvar="QUALFLOW_DATABASE_URL",
                                               help="Store URL (default: outputs/qualflow.db)."),
    ) -> None:
        """Reset a password (asked twice, or read from standard input); the user must change it at
        the next sign-in, and all their sessions end. Audited."""
        from app.accounts import reset_password
        from pipeline.store.db import Store

        password = read_password()
        username = reset_password(Store(database), name, password, by=None)
        typer.echo(f"Reset the password of {username}; they choose a new one at their next sign-in.")

    @users.command("list")
    def users_list(
        database: Optional[str] = typer.Option(None, "--database", envvar="QUALFLOW_DATABASE_URL",
                                               help="Store URL (default: outputs/qualflow.db)."),
    ) -> None:
        """List users, their roles and whether they can sign in."""
        from app.auth import list_users
        from pipeline.store.db import Store

        for user in list_users(Store(database)):
            typer.echo(f"{user.username}\t{user.role}\t{'active' if user.active else 'inactive'}\t"
                       f"{user.created_at:%Y-%m-%d}")

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
        port: int = typer.Option(8000, "--port", help="Port to listen on."),
        database: Optional[str] = typer.Option(None, "--database", envvar="QUALFLOW_DATABASE_URL",
                                               help="Store URL (default: outputs/qualflow.db)."),
        workers: int = typer.Option(1, "--workers",
                                    help="Server processes (PostgreSQL only above 1): sessions and sign-in limits "
                                         "live in the store, so any process can answer any request."),
        secure_cookies: bool = typer.Option(False, "--secure-cookies",
                                            help="Mark cookies Secure and send HSTS: set when users reach the app "
                                                 "over HTTPS."),
        proxy_headers: bool = typer.Option(False, "--proxy-headers",
                                           help="Take the client address from X-Forwarded-For: only behind a "
                                                "reverse proxy that sets it."),
        forwarded_allow_ips: str = typer.Option("127.0.0.1", "--forwarded-allow-ips",
                                                help="With --proxy-headers: the proxies' addresses (comma-separated) "
                                                     "whose headers are believed."),
    ) -> None:
        """Serve the review app (coders' queues, validators' city summaries)."""
        import uvicorn

        from pipeline.errors import InvalidInput
        from pipeline.store.db import Store

        if workers < 1:
            raise InvalidInput("--workers", f"the number of server processes is 1 or more, not {workers}")
        store = Store(database)  # migrates once here, before any worker starts, and fails early on a bad URL
        if workers > 1 and store.dialect == "sqlite":
            store.dispose()
            raise InvalidInput("--workers", "more than 1 needs a PostgreSQL store (--database postgresql://...): "
                               "SQLite lets one process write at a time, so more workers would only queue on its lock")
        options = dict(proxy_headers=proxy_headers, forwarded_allow_ips=forwarded_allow_ips)
        typer.echo(f"qualflow review on http://{host}:{port}/ with {workers} worker process"
                   f"{'es' if workers > 1 else ''} (Ctrl+C to stop)")
        if workers == 1:
            from app.main import create_app

            application = create_app(store=store, secure_cookies=secure_cookies)
            uvicorn.Server(server_config(application, host, port, **options)).run()
            return
        store.dispose()
        # Each worker is a fresh process that builds its own app (and connection pool) from the
        # environment: uvicorn can only hand worker processes an import string, not an object.
        from app.main import set_environment

        set_environment(store.url, secure_cookies=secure_cookies)
        uvicorn.run(FACTORY, factory=True, workers=workers, **server_options(host, port, **options))


FACTORY = "app.main:from_environment"
"""What each worker process imports and calls to build its app (``uvicorn --factory``)."""


def server_options(host: str, port: int, *, proxy_headers: bool = False,
                   forwarded_allow_ips: str = "127.0.0.1") -> dict:
    """uvicorn's settings for ``qualflow serve``, one worker or several.

    Proxy headers are off unless asked for: the sign-in limits count failures per client
    address, and a header anyone can send (even from loopback) would let them pick one.
    """
    return dict(host=host, port=port, log_level="warning", proxy_headers=proxy_headers,
                forwarded_allow_ips=forwarded_allow_ips)


def server_config(application, host: str, port: int, *, proxy_headers: bool = False,
                  forwarded_allow_ips: str = "127.0.0.1"):
    """uvicorn's ``Config`` for one process serving ``application`` (see ``server_options``)."""
    import uvicorn

    return uvicorn.Config(application, **server_options(host, port, proxy_headers=proxy_headers,
                                                        forwarded_allow_ips=forwarded_allow_ips))
