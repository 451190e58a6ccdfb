"""Accounts, sign-in sessions and failed sign-ins, as the review app keeps them.

Each function works inside the caller's session or transaction; what a password, a token
or a limit means is the app's business (``app.auth``, ``app.accounts``). Session ids are
the hashes the app makes of its cookie tokens: the store never sees a token.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from pipeline.store import models as m


# -- users -----------------------------------------------------------------------------------
def user_by_id(session: Session, user_id: int) -> m.User | None:
    return session.get(m.User, user_id)


def user_by_name(session: Session, username: str) -> m.User | None:
    return session.scalars(select(m.User).where(m.User.username == username)).first()


def all_users(session: Session) -> list[m.User]:
    """Every account, by username."""
    return list(session.scalars(select(m.User).order_by(m.User.username)))


def add_account(session: Session, username: str, role: str, password_hash: str, at: datetime) -> m.User:
    """An active account that can sign in with the password behind ``password_hash``."""
    user = m.User(username=username, role=role, password_hash=password_hash, active=True, created_at=at)
    session.add(user)
    session.flush()
    return user


def set_password_hash(session: Session, user_id: int, password_hash: str, *, must_change: bool | None = None) -> None:
    """A new password hash; ``must_change`` (when given) sets whether the user must choose another."""
    values: dict = {"password_hash": password_hash}
    if must_change is not None:
        values["must_change_password"] = must_change
    session.execute(update(m.User).where(m.User.id == user_id).values(**values))


# -- sign-in sessions ------------------------------------------------------------------------
def add_web_session(session: Session, *, session_id: str, user_id: int, csrf_token: str, at: datetime,
                    expires_at: datetime, ip: str) -> None:
    session.add(m.WebSession(id=session_id, user_id=user_id, csrf_token=csrf_token, created_at=at, last_seen_at=at,
                             expires_at=expires_at, ip=ip))


def web_session_and_user(session: Session, session_id: str) -> tuple[m.WebSession, m.User] | None:
    row = session.execute(select(m.WebSession, m.User).join(m.User, m.User.id == m.WebSession.user_id)
                          .where(m.WebSession.id == session_id)).first()
    return None if row is None else (row[0], row[1])


def touch_web_session(session: Session, session_id: str, at: datetime) -> None:
    session.execute(update(m.WebSession).where(m.WebSession.id == session_id).values(last_seen_at=at))


def revoke_web_session(session: Session, session_id: str, at: datetime) -> None:
    session.execute(update(m.WebSession).where(m.WebSession.id == session_id, m.WebSession.revoked_at.is_(None))
                    .values(revoked_at=at))


def revoke_user_sessions(session: Session, user_id: int, at: datetime, *, but: str | None = None) -> None:
    """End every open session of a user (except the session ``but``)."""
    q = update(m.WebSession).where(m.WebSession.user_id == user_id, m.WebSession.revoked_at.is_(None))
    if but is not None:
        q = q.where(m.WebSession.id != but)
    session.execute(q.values(revoked_at=at))


# -- failed sign-ins -------------------------------------------------------------------------
def take_turns_for_sign_in(session: Session, username: str) -> None:
    """Make sign-in attempts for one username take turns between counting and recording.

    SQLite lets one writer in at a time and the attempt is written before it is counted, so
    that is enough there; PostgreSQL needs a lock, or two transactions would each count
    only their own new row.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(727002, hashtext(:name))"), {"name": username})


def add_login_failure(session: Session, username: str, ip: str, at: datetime) -> None:
    session.add(m.LoginFailure(username=username, ip=ip, at=at))
    session.flush()


def login_failures_since(session: Session, since: datetime, *, username: str | None = None,
                         ip: str | None = None) -> int:
    """Failed sign-ins after ``since``, of this username and/or from this address."""
    q = select(func.count()).select_from(m.LoginFailure).where(m.LoginFailure.at > since)
    if username is not None:
        q = q.where(m.LoginFailure.username == username)
    if ip is not None:
        q = q.where(m.LoginFailure.ip == ip)
    return session.scalar(q) or 0


def forget_login_failures(session: Session, *, before: datetime | None = None, username: str | None = None,
                          ip: str | None = None) -> None:
    """Delete failed sign-ins up to ``before``, or those of one username from one address."""
    if before is None and username is None and ip is None:
        raise ValueError("say which failed sign-ins to forget")
    q = delete(m.LoginFailure)
    if before is not None:
        q = q.where(m.LoginFailure.at <= before)
    if username is not None:
        q = q.where(m.LoginFailure.username == username)
    if ip is not None:
        q = q.where(m.LoginFailure.ip == ip)
    session.execute(q)
