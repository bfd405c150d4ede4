"""Requests refused before any view: text that no database column can hold."""

import json
from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse

from tinhso.core.errors import InvalidInput
from tinhso.core.problems import problem

NUL = "\x00"
NUL_MESSAGE = "Không được chứa ký tự NUL (mã 0)."
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def nul_paths(value: object, path: str = "") -> list[str]:
    """Where `value` (JSON-like: text, lists, objects and their keys) holds a NUL character, as dotted paths:
    PostgreSQL refuses NUL in text, and a refusal at the database would be a 500 instead of an answer."""
    if isinstance(value, str):
        return [path or "body"] if NUL in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            found += [where.replace(NUL, "\\0")] if NUL in str(key) else nul_paths(item, where)
        return found
    if isinstance(value, list | tuple):
        return [found for index, item in enumerate(value) for found in nul_paths(item, f"{path}.{index}")]
    return []


def nul_errors(value: object) -> dict[str, list[str]]:
    """The message for each field of `value` that holds a NUL character, as InvalidInput carries them."""
    return {path: [NUL_MESSAGE] for path in nul_paths(value)}


def refuse_nul(value: object) -> None:
    """InvalidInput naming each field of `value` that holds a NUL character."""
    errors = nul_errors(value)
    if errors:
        raise InvalidInput(NUL_MESSAGE, code="nul_character", errors=errors)


def refuse_nul_characters(get_response: Callable[[HttpRequest], HttpResponse]):
    """Refuses a request whose path or query holds a NUL character (400, as problem+json under /api/), a
    page's form whose fields do (400; uploaded files may hold any byte), or an API call whose JSON body does
    (422 naming the fields; the API's form parser refuses its form fields)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        api = request.path.startswith("/api/")
        if NUL in request.path or _nul_in_query(request) or (not api and _nul_in_form(request)):
            if api:
                return problem(request, status=400, code="nul_character", title=NUL_MESSAGE)
            raise BadRequest(NUL_MESSAGE)
        errors = _nul_errors_in_json(request) if api else {}
        if errors:
            return problem(request, status=422, code="nul_character", title=NUL_MESSAGE, errors=errors)
        return get_response(request)

    return middleware


def _nul_in_query(request: HttpRequest) -> bool:
    query = request.META.get("QUERY_STRING", "")
    # Only "%00" (or a raw NUL) decodes to NUL: most requests need no decoding here.
    return ("%00" in query or NUL in query) and bool(nul_paths(dict(request.GET.lists())))


def _nul_in_form(request: HttpRequest) -> bool:
    # The form is parsed here as the CSRF check would parse it next: its fields, never the files' bytes.
    if request.method != "POST" or request.content_type not in FORM_TYPES:
        return False
    return bool(nul_paths(dict(request.POST.lists())))


def _nul_errors_in_json(request: HttpRequest) -> dict[str, list[str]]:
    # JSON can only carry NUL escaped: a body without the escape needs no parsing here (the API parses it).
    if request.content_type != "application/json" or b"\\u0000" not in request.body:
        return {}
    try:
        return nul_errors(json.loads(request.body))
    except ValueError:
        return {}  # the API answers a body it cannot parse
