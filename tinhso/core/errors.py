"""Domain errors raised by services and selectors; pages and the API turn them into answers.

Each error carries a stable machine `code` (the API's problem `code`, never translated) and a message in the
user's language: services pass a `gettext_lazy` text with `%(name)s` placeholders and the values in `params`,
and the text is translated when it is read (`error.message`, `str(error)`), in the language active then. So the
same refusal reads in Vietnamese on the Vietnamese interface and in English on the English one."""

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.http.response import HttpResponseBase
from django.utils.functional import lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _interpolated(message: "StrOrPromise", params: Mapping[str, Any]) -> str:
    return str(message) % params


_lazy_interpolated = lazy(_interpolated, str)


def text(message: "StrOrPromise", params: Mapping[str, Any] | None = None) -> "StrOrPromise":
    """`message` with its placeholders filled from `params`, translated only when shown."""
    return _lazy_interpolated(message, dict(params)) if params else message


class DomainError(Exception):
    """A refusal with a stable machine code, a message in the user's language and an HTTP status."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: "StrOrPromise",
        *,
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        self._message = text(message, params)
        super().__init__(self._message)
        if code:
            self.code = code
        self.extra = extra

    @property
    def message(self) -> str:
        """The message in the active language."""
        return str(self._message)

    def __str__(self) -> str:
        return self.message


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"

    def __init__(
        self,
        message: "StrOrPromise",
        *,
        errors: Mapping[str, Sequence["StrOrPromise"]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self._errors: dict[str, list[StrOrPromise]] = {
            field: list(messages) for field, messages in (errors or {}).items()
        }

    @classmethod
    def on(
        cls, field: str, message: "StrOrPromise", *, params: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> "InvalidInput":
        """One message about one field, for the whole error and beside the field alike."""
        shown = text(message, params)
        return cls(shown, errors={field: [shown]}, **kwargs)

    @property
    def errors(self) -> dict[str, list[str]]:
        """Each field's messages in the active language."""
        return {field: [str(message) for message in messages] for field, messages in self._errors.items()}


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


def invalid(
    field: str, message: "StrOrPromise", *, code: str | None = None, **params: object
) -> InvalidInput:
    """InvalidInput about one `field`, its placeholders filled from `params`; `code` when more precise."""
    return InvalidInput.on(field, message, params=params, code=code)


def required_text(value: str, field: str, message: "StrOrPromise") -> str:
    """`value` without surrounding spaces, refused with `message` beside `field` when nothing remains."""
    value = (value or "").strip()
    if not value:
        raise invalid(field, message)
    return value


def answered_as_pages(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A page view whose refusals (the services' errors) become the platform's 404, 403 and 400 pages,
    never a 500."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(*args, **kwargs)
        except NotFound as error:
            raise Http404(error.message) from None
        except Forbidden as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            raise SuspiciousOperation(error.message) from None

    return wrapped
