"""Passwords, sessions, CSRF tokens and sign-in rate limiting.

Design:

- **Passwords** are hashed with argon2id (argon2-cffi's defaults); a hash made with weaker
  parameters is upgraded at the next successful sign-in. There are no default accounts.
  Each hash or verification holds 64 MB (argon2's memory cost) for about 0.1 s, so a
  process runs at most ``HASHING_SLOTS`` at once and sign-ins beyond that wait their turn:
  20 coders signing in together took a worker to 1,386 MB, against 231 MB for two.
- **Sessions are server-side** (table ``web_sessions``). The cookie carries 32 random bytes;
  the store keeps only their sha256, the user, a per-session CSRF token, expiry (8 h idle,
  7 days at most) and ``revoked_at``. Signing out, deactivating a user or changing a
  password revokes at once. The cookie is HttpOnly, SameSite=Lax, Secure when the app is
  served over HTTPS (``secure_cookies``), and a new token is issued at every sign-in.
- **CSRF**: every form carries the session's token in ``csrf_token``; ``fetch`` requests send
  it in the ``X-CSRF-Token`` header. The sign-in form, before any session exists, uses a
  double-submit cookie (``qualflow_login``, SameSite=Strict).
- **Rate limit**: 5 failed sign-ins for one username from one address, 20 for one username
  from anywhere, or 30 from one address within 5 minutes answer 429 until the window has
  passed, whatever the password (table ``login_failures``, so it holds across workers and
  restarts). An attempt is recorded before its password is verified, so simultaneous
  attempts cannot all slip under the limit; rows older than the window are purged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.errors import BadRequest, TooManyAttempts
from app.permissions import ROLES, CurrentUser, can_sign_in
from pipeline.store import accounts, audit
from pipeline.store.db import Store

if TYPE_CHECKING:  # a row the store hands back
    from pipeline.store.models import User

SESSION_COOKIE = "qualflow_session"
LOGIN_COOKIE = "qualflow_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
IDLE_TIMEOUT = timedelta(hours=8)
MAX_AGE = timedelta(days=7)
TOUCH_EVERY = timedelta(minutes=1)  # refresh last_seen_at at most this often (one write, not one per request)
MIN_PASSWORD_LENGTH = 10

HASHING_SLOTS = 2
"""argon2 hashes and verifications one process runs at once (argon2 is CPU-bound: more than
the cores only adds memory)."""


class BoundedHasher:
    """A ``PasswordHasher`` that runs at most ``slots`` hashes or verifications at a time."""

    def __init__(self, inner: PasswordHasher, slots: int = HASHING_SLOTS) -> None:
        self.inner = inner
        self._slots = threading.BoundedSemaphore(slots)

    def hash(self, password: str) -> str:
        with self._slots:
            return self.inner.hash(password)

    def verify(self, digest: str, password: str) -> bool:
        with self._slots:
            return self.inner.verify(digest, password)

    def check_needs_rehash(self, digest: str) -> bool:
        return self.inner.check_needs_rehash(digest)


hasher = BoundedHasher(PasswordHasher())
"""Module-level so tests can swap in cheaper parameters; production uses argon2-cffi's defaults."""
_DUMMY_HASH: str | None = None


def now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns; all of ours are UTC.
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected.encode(), given.encode())


# -- users ------------------------------------------------------------------------------------


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")


def add_user(store: Store, username: str, role: str, password: str, *, by: int | None = None) -> int:
    """Create a user who can sign in; the password is kept only as an argon2 hash."""
    username = username.strip()
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        raise BadRequest("A username is 1-80 characters without spaces.")
    if role not in ROLES:
        raise BadRequest(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")
    check_password_rules(password)
    digest = hasher.hash(password)
    with store.transaction() as s:
        if accounts.user_by_name(s, username) is not None:
            raise BadRequest(f"There is already a user called {username!r}.")
        user = accounts.add_account(s, username, role, digest, now())
        audit.record(s, by, "user_add", "user", str(user.id), {"username": username, "role": role})
        return user.id


def set_active(store: Store, user_id: int, active: bool, *, by: int | None) -> None:
    with store.transaction() as s:
        user = accounts.user_by_id(s, user_id)
        if user is None:
            raise BadRequest("No such user.")
        user.active = active
        if not active:
            accounts.revoke_user_sessions(s, user_id, now())
        audit.record(s, by, "user_activate" if active else "user_deactivate", "user", str(user_id),
                     {"username": user.username})


def list_users(store: Store) -> list[User]:
    with store.session() as s:
        return accounts.all_users(s)


# -- signing in -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimit:
    """Failed sign-ins allowed within ``window``: for one username from one address, for one
    username from anywhere (an attacker can change addresses), and from one address for any
    usernames (unknown names each cost an argon2 verification too)."""

    failures: int = 5
    window: timedelta = timedelta(minutes=5)
    per_username: int = 20
    per_address: int = 30


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def _record_attempt(store: Store, username: str, ip: str, limit: RateLimit) -> None:
    """Count this attempt as a failure *before* the password is verified (a right password
    deletes it again).

    Recording first and counting after, in one transaction, is what stops simultaneous wrong
    passwords from all passing the check. An attempt over a limit is refused and not kept
    (so hammering does not extend the lock-out), and rows older than the window are purged.
    """
    t = now()
    since = t - limit.window
    with store.transaction() as s:
        accounts.take_turns_for_sign_in(s, username)
        accounts.add_login_failure(s, username, ip, t)
        counts = (
            (accounts.login_failures_since(s, since, username=username, ip=ip), limit.failures),
            (accounts.login_failures_since(s, since, username=username), limit.per_username),
            (accounts.login_failures_since(s, since, ip=ip), limit.per_address),
        )
        if any(count > allowed for count, allowed in counts):
            raise TooManyAttempts(max(1, int(limit.window.total_seconds() // 60)))  # rolls the attempt back
        accounts.forget_login_failures(s, before=since)


def authenticate(store: Store, username: str, password: str, ip: str, limit: RateLimit = RateLimit()) -> int | None:
    """The user id when the password is right and the user may sign in, else ``None``.

    Raises ``TooManyAttempts`` once a limit of ``limit`` is reached, before looking at the
    password at all. ``ip`` is the peer address (a proxy's header only when the server was
    told to trust it).
    """
    username = username.strip()[:80]
    ip = (ip or "unknown")[:64]
    _record_attempt(store, username, ip, limit)
    with store.session() as s:
        user = accounts.user_by_name(s, username)
    ok = False
    if user is not None and user.password_hash and user.active and can_sign_in(user.role):
        try:
            ok = hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        # the same work whether or not the user exists, so timing does not tell usernames apart
        try:
            hasher.verify(_dummy_hash(), password)
        except VerificationError:
            pass
    if not ok:
        return None  # the attempt recorded above stays as the failure
    with store.transaction() as s:
        accounts.forget_login_failures(s, username=username, ip=ip)
        if hasher.check_needs_rehash(user.password_hash):
            accounts.set_password_hash(s, user.id, hasher.hash(password))
    return user.id


def create_session(store: Store, user_id: int, ip: str | None) -> str:
    """A new session for ``user_id``; returns the cookie token (never stored as such)."""
    token = secrets.token_urlsafe(32)
    t = now()
    with store.transaction() as s:
        accounts.add_web_session(s, session_id=token_hash(token), user_id=user_id, csrf_token=secrets.token_urlsafe(32),
                                 at=t, expires_at=t + MAX_AGE, ip=(ip or "")[:64])
        audit.record(s, user_id, "sign_in", "user", str(user_id), {})
    return token


def session_user(store: Store, token: str | None) -> CurrentUser | None:
    """The signed-in user of a cookie token, or ``None`` when absent, expired, revoked or inactive."""
    if not token or len(token) > 200:
        return None
    key = token_hash(token)
    with store.session() as s:
        row = accounts.web_session_and_user(s, key)
        if row is None:
            return None
        web, user = row
        t = now()
        if (web.revoked_at is not None or _aware(web.expires_at) <= t or _aware(web.last_seen_at) + IDLE_TIMEOUT <= t
                or not user.active or not can_sign_in(user.role)):
            return None
        if _aware(web.last_seen_at) + TOUCH_EVERY <= t:
            accounts.touch_web_session(s, key, t)
            s.commit()
        return CurrentUser(user.id, user.username, user.role, web.csrf_token, bool(user.must_change_password))


def revoke_session(store: Store, token: str | None) -> None:
    if not token:
        return
    with store.transaction() as s:
        accounts.revoke_web_session(s, token_hash(token), now())


def new_login_token() -> str:
    return secrets.token_urlsafe(24)
