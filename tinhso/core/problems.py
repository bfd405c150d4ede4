"""Errors as application/problem+json (RFC 9457): one shape for the API and the middleware before it."""

from django.http import HttpRequest, HttpResponse

from tinhso.core.eventlog import canonical_json


def problem(
    request: HttpRequest, *, status: int, code: str, title: str, detail: str = "", **extra: object
) -> HttpResponse:
    """A problem+json answer with a stable `code`; empty extra members are left out."""
    body: dict[str, object] = {
        "type": f"urn:tinhso:problem:{code}",
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    body |= {key: value for key, value in extra.items() if value not in (None, {}, [])}
    body["instance"] = request.path
    return HttpResponse(canonical_json(body), status=status, content_type="application/problem+json")
