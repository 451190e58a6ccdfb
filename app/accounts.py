"""Passwords after the account exists: users change their own, admins reset them.

A reset password is one the admin knows, so it only gets the user as far as choosing a new
one: ``must_change_password`` keeps every other page closed until they do (``app.web.require``).
Either change ends the user's other sessions at once; both are audited, never with the
password itself.
"""

from __future__ import annotations

from argon2.exceptions import InvalidHashError, VerificationError

from app import auth
from app.errors import BadRequest
from app.permissions import can_sign_in
from pipeline.store import accounts as stored
from pipeline.store import audit
from pipeline.store.db import Store


def _revoke_sessions(s, user_id: int, *, but: str | None = None) -> None:
    stored.revoke_user_sessions(s, user_id, auth.now(), but=None if but is None else auth.token_hash(but))


def change_own_password(store: Store, user_id: int, current: str, new: str, repeat: str, *,
                        session_token: str | None) -> None:
    """Set a new password after checking the current one; other sessions end, this one stays."""
    if new != repeat:
        raise BadRequest("The two new passwords differ; nothing was changed.")
    auth.check_password_rules(new)
    if new == current:
        raise BadRequest("Choose a password different from the current one.")
    with store.session() as s:
        user = stored.user_by_id(s, user_id)
    try:
        ok = bool(user and user.password_hash) and auth.hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        raise BadRequest("The current password is wrong; nothing was changed.")
    digest = auth.hasher.hash(new)
    with store.transaction() as s:
        stored.set_password_hash(s, user_id, digest, must_change=False)
        _revoke_sessions(s, user_id, but=session_token)
        audit.record(s, user_id, "password_change", "user", str(user_id), {"username": user.username})


def reset_password(store: Store, username_or_id: str | int, new: str, *, by: int | None) -> str:
    """An admin's (or the command line's) new password for a user, who must change it at the
    next sign-in; all their sessions end. Returns the username."""
    auth.check_password_rules(new)
    digest = auth.hasher.hash(new)
    with store.transaction() as s:
        user = (stored.user_by_id(s, username_or_id) if isinstance(username_or_id, int)
                else stored.user_by_name(s, username_or_id))
        if user is None:
            raise BadRequest(f"There is no user {username_or_id!r}.")
        if not can_sign_in(user.role):
            raise BadRequest(f"{user.username} is an {user.role} user (imported work) and cannot sign in.")
        user.password_hash, user.must_change_password = digest, True
        _revoke_sessions(s, user.id)
        audit.record(s, by, "password_reset", "user", str(user.id), {"username": user.username})
        return user.username
