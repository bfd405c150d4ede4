"""The published OpenAPI document states every answer an operation gives (issue 19, item 11): besides its
success, the problem+json refusals (RFC 9457) each operation can produce, so a client generated from the
document handles them. Ninja documents only the success responses declared on each route."""

from typing import Any

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "An error as application/problem+json (RFC 9457), with a stable machine `code`.",
    "required": ["type", "title", "status", "code", "instance"],
    "properties": {
        "type": {"type": "string", "description": "urn:tinhso:problem:<code>"},
        "title": {"type": "string", "description": "What went wrong, in Vietnamese"},
        "status": {"type": "integer"},
        "code": {"type": "string", "description": "Stable code, e.g. validation_error, stale_version"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The path that answered"},
        "errors": {
            "type": "object",
            "description": "Messages per field (dotted path)",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "additionalProperties": True,
}
MEANINGS = {
    400: "The request cannot be read (malformed body, NUL character, unknown parameter value).",
    401: "No valid bearer token.",
    403: "The token's account may not do this.",
    404: "No such object in the caller's scope, or no such path.",
    409: "The object changed meanwhile (stale version) or its state does not allow the action.",
    413: "The body is larger than the platform accepts.",
    422: "Input that does not validate; `errors` names each field.",
    429: "Too many attempts; retry after the `Retry-After` header's seconds.",
    500: "An unexpected error; the answer names no internals.",
}
_REFERENCE = {"$ref": "#/components/schemas/Problem"}


def statuses_of(method: str, operation: dict[str, Any]) -> list[int]:
    """The refusals an operation can give: any may be malformed, unknown, invalid, throttled or fail;
    only authenticated ones forbid; only writes conflict or carry a body too large."""
    statuses = [400, 401, 404, 422, 429, 500]  # 401 too for the token endpoint's wrong credentials
    if operation.get("security"):
        statuses.append(403)
    if method != "get":
        statuses += [409, 413]
    return sorted(statuses)


def with_problems(schema: dict[str, Any]) -> dict[str, Any]:
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in statuses_of(method, operation):
                if status in responses or str(status) in responses:
                    continue  # the route declared it itself
                content = {"application/problem+json": {"schema": _REFERENCE}}
                responses[status] = {"description": MEANINGS[status], "content": content}
    return schema
