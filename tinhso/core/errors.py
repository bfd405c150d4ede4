"""Domain errors raised by services and selectors; pages and the API turn them into answers."""

from typing import Any


class DomainError(Exception):
    """A refusal with a stable machine code, a Vietnamese message and an HTTP status."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.errors = errors or {}


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """Another writer changed the object first, or the action does not fit its current state."""

    status = 409
    code = "conflict"


class TooManyAttempts(DomainError):
    """Refused until `retry_after` seconds have passed (the API adds a Retry-After header)."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, retry_after=retry_after, **kwargs)
        self.retry_after = retry_after
