"""Domain errors. The web layer maps each to an HTTP status; the CLI prints the message."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    status, code = 404, "not_found"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class AccountDeactivated(Unauthorized):
    """The right password for a deactivated account. Said only then: a wrong password gets "wrong
    username or password" whether the account exists, is active or not."""
    code = "account_deactivated"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class Conflict(DomainError):
    status, code = 409, "conflict"


class PreconditionFailed(DomainError):
    """The thing changed since the client read it (If-Match no longer matches)."""
    status, code = 412, "precondition_failed"


class Invalid(DomainError):
    """Field-level problems: ``fields`` maps a field name to a list of (code, params)."""
    status, code = 422, "invalid"

    def __init__(self, fields: dict[str, list[tuple[str, dict[str, Any]]]], message: str = "invalid input"):
        super().__init__(message)
        self.fields = fields

    @classmethod
    def from_form(cls, exc: Any) -> Invalid:
        """From the engine's form validation (``engine.forms.FormInvalid``: field -> FieldErrors)."""
        return cls({name: [(e.code, e.params) for e in errors] for name, errors in exc.errors.items()})


class TooManyAttempts(DomainError):
    """Too many failed logins for a username or from an address; ``retry_after`` is in seconds."""
    status, code = 429, "too_many_attempts"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after
