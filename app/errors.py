"""What a person using the review app can run into, each with its HTTP status.

They are ``QualflowError``s, so ``app.main`` turns every one of them (and the pipeline's
own ``InvalidInput``, ``NotFound`` …) into a response in one exception handler.
"""

from __future__ import annotations

from pipeline.errors import NotFound, QualflowError

__all__ = ["Conflict", "CsrfFailed", "Forbidden", "LoginRequired", "NotFound", "PasswordChangeRequired",
           "TooManyAttempts", "BadRequest", "http_status"]


class BadRequest(QualflowError):
    """A form that cannot be used as sent (a missing field, an unknown code)."""

    http_status = 400


class LoginRequired(QualflowError):
    """No valid session: pages redirect to the sign-in form, other requests get 401."""

    http_status = 401

    def __init__(self) -> None:
        super().__init__("Please sign in.")


class Forbidden(QualflowError):
    http_status = 403

    def __init__(self, why: str = "Your role does not allow this.") -> None:
        super().__init__(why)


class CsrfFailed(Forbidden):
    def __init__(self) -> None:
        super().__init__("This form has expired or did not come from this site. Reload the page and try again.")


class Conflict(QualflowError):
    """Someone else changed what this request was about since the page was rendered."""

    http_status = 409


class PasswordChangeRequired(QualflowError):
    """An admin reset the password: nothing else until the user has chosen a new one."""

    http_status = 403

    def __init__(self) -> None:
        super().__init__("Your password was reset: choose a new one on your account page first.")


class TooManyAttempts(QualflowError):
    http_status = 429

    def __init__(self, minutes: int) -> None:
        super().__init__(f"Too many failed sign-ins. Try again in {minutes} minutes.")


def http_status(exc: QualflowError) -> int:
    """400 for a user error, unless the error names a more precise status."""
    if isinstance(exc, NotFound):
        return 404
    return getattr(exc, "http_status", 400)
