"""Who may do what: one named function per permission, checked by every route.

Roles: ``admin`` (users, runs, codebook, assignments, audit), ``coder`` (review and code
excerpts, name emergent themes), ``validator`` (read everything, edit narratives, sign off
city summaries). ``external`` users (imported coders) cannot sign in at all.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("admin", "coder", "validator")


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    role: str
    csrf_token: str = ""
    must_change_password: bool = False


def _is(user: CurrentUser | None, *roles: str) -> bool:
    return user is not None and user.role in roles


def can_sign_in(role: str) -> bool:
    return role in ROLES


def is_signed_in(user: CurrentUser | None) -> bool:
    """Pages every role may see (the home redirect, signing out)."""
    return user is not None


def can_switch_study(user: CurrentUser | None) -> bool:
    """Seeing the store's studies and choosing which one the pages show: every role."""
    return user is not None


def can_change_own_password(user: CurrentUser | None) -> bool:
    """The account page: the one place open to a user whose password was reset."""
    return user is not None


def can_review(user: CurrentUser | None) -> bool:
    """Accept, reject and recode suggestions; undo one's own decisions; see one's queue."""
    return _is(user, "coder")


def can_write_memo(user: CurrentUser | None) -> bool:
    return _is(user, "coder", "validator")


def can_read_transcripts(user: CurrentUser | None) -> bool:
    return _is(user, "admin", "coder", "validator")


def can_name_themes(user: CurrentUser | None) -> bool:
    """Name emergent themes and turn them into codes."""
    return _is(user, "admin", "coder")


def can_read_summaries(user: CurrentUser | None) -> bool:
    return _is(user, "admin", "validator")


def can_edit_narrative(user: CurrentUser | None) -> bool:
    return _is(user, "validator")


def can_sign_off(user: CurrentUser | None) -> bool:
    return _is(user, "validator")


def can_manage_users(user: CurrentUser | None) -> bool:
    return _is(user, "admin")


def can_manage_runs(user: CurrentUser | None) -> bool:
    """See runs and the codebook of each."""
    return _is(user, "admin")


def can_assign(user: CurrentUser | None) -> bool:
    """Assign excerpts to coders (double-coding)."""
    return _is(user, "admin")


def can_see_agreement(user: CurrentUser | None) -> bool:
    return _is(user, "admin")


def can_see_reconciliation(user: CurrentUser | None) -> bool:
    """See both coders' codes of double-coded excerpts side by side and the agreed codes.
    Validators too: they sign off summaries built from the agreed codes. Never coders, who
    code double-coded excerpts blind to each other."""
    return _is(user, "admin", "validator")


def can_reconcile(user: CurrentUser | None) -> bool:
    """Record the agreed codes of a double-coded excerpt."""
    return _is(user, "admin")


def can_view_audit(user: CurrentUser | None) -> bool:
    return _is(user, "admin")


def home_for(user: CurrentUser) -> str:
    """Where a user lands after signing in."""
    if user.must_change_password:
        return "/account"
    if can_review(user):
        return "/queue"
    if can_sign_off(user):
        return "/cities"
    return "/admin"
