"""Opening the store: SQLite by default, any PostgreSQL URL via ``QUALFLOW_DATABASE_URL``.

Every open brings the schema up to date with Alembic, so a database made by an older
qualflow is migrated, never recreated.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from pipeline.store.chunks import chunked

MIGRATIONS = Path(__file__).with_name("migrations")
DEFAULT_DB = Path("outputs") / "qualflow.db"
POOL_SIZE, MAX_OVERFLOW = 20, 10  # PostgreSQL connections kept, and opened beyond them when busy
_MIGRATING = threading.Lock()  # Alembic keeps its migration context in module globals


def database_url(explicit: str | None = None) -> str:
    """The URL to use: an explicit one, else ``QUALFLOW_DATABASE_URL``, else ``outputs/qualflow.db``."""
    url = explicit or os.environ.get("QUALFLOW_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):  # psycopg 3 is the driver we install
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    DEFAULT_DB.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_DB}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the review app read while a run writes; busy_timeout makes a second writer
    # wait instead of failing at once; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Store:
    """A migrated database and a session factory over it."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = database_url(url)
        kwargs: dict = {"future": True}
        if self.url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            # The review app runs each request in a thread: 20 coders at once should not queue for
            # SQLAlchemy's default 5 (+10) connections. A pool opens connections only as requests
            # need them and keeps at most POOL_SIZE idle, so `serve --workers N` holds at most
            # N x 30 (PostgreSQL allows 100 by default).
            kwargs.update(pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW)
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.upgrade()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with _MIGRATING, self.engine.begin() as connection:
            # Two processes opening a fresh database at once must not both migrate it: each would
            # find no tables and create them, and the second fails ("table ... already exists").
            if self.dialect == "postgresql":
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727001)")
            elif self.dialect == "sqlite":
                # The sqlite3 driver begins a transaction only before INSERT/UPDATE/DELETE, so
                # Alembic's CREATE TABLEs would each commit on their own, visible half-way to the
                # other process. BEGIN IMMEDIATE takes SQLite's write lock first: the other
                # process waits (busy_timeout), then finds the schema at head and does nothing.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed together, or not at all."""
        with self._sessions() as session, session.begin():
            yield session

    def session(self) -> Session:
        return self._sessions()

    def dispose(self) -> None:
        self.engine.dispose()


def insert_ignoring_duplicates(session: Session, model, rows: Sequence[dict]) -> int:
    """Insert rows whose primary key is new; skip the others without an error.

    Caches (transcripts, excerpts, embeddings, the pseudonym key) are written by every run, and
    two runs, or a run resumed after a crash, may write the same rows at once: with
    ``ON CONFLICT DO NOTHING`` the second writer neither fails nor duplicates anything.
    """
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(dialect)
    key = list(model.__table__.primary_key.columns)[0]
    statement = insert(model).on_conflict_do_nothing().returning(key)  # rowcount is -1 for executemany on psycopg
    inserted = 0
    for part in chunked(list(rows), 200):
        inserted += len(session.connection().execute(statement, list(part)).all())
    return inserted
