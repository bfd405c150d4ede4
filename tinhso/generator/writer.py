"""Helpers for rows written with ids chosen by the generator."""

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from json.encoder import encode_basestring

from django.db import connection
from django.db.models import Max, Model

_dumps = json.JSONEncoder(ensure_ascii=False).encode
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _c_encoder(encoder: json.JSONEncoder):
    """What encoder.encode builds on every call for a dict or a list, built once (millions of payloads
    are encoded); None where the C encoder is missing. Never used on cyclic values, so no cycle check."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None or encoder.indent is not None:
        return None
    return make(
        None,
        encoder.default,
        encode_basestring,
        None,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )


_canonical_c = _c_encoder(_canonical)
_dumps_c = _c_encoder(json.JSONEncoder(ensure_ascii=False))


def canonical_json(value: object) -> str:
    """tinhso.core.eventlog.canonical_json: the same encoder settings, the same text."""
    if _canonical_c is None or isinstance(value, str):
        return _canonical.encode(value)
    return "".join(_canonical_c(value, 0))


def dumps(value: object) -> str:
    if _dumps_c is None or isinstance(value, str):
        return _dumps(value)
    return "".join(_dumps_c(value, 0))


def event_hash(
    stream: str, seq: int, action: str, actor_id: int | None, payload_json: str, at: datetime, prev_hash: str
) -> str:
    """tinhso.core.eventlog.event_hash_of_json."""
    utc = at if at.tzinfo is UTC else at.astimezone(UTC)
    return event_hash_at(stream, seq, action, actor_id, payload_json, utc.isoformat(), prev_hash)


def event_hash_at(
    stream: str, seq: int, action: str, actor_id: int | None, payload_json: str, utc_iso: str, prev_hash: str
) -> str:
    """event_hash for an instant given in UTC ISO format, with the head's JSON array written out: strings
    as the encoder writes them, integers as int's repr, None as null."""
    actor = "null" if actor_id is None else int.__repr__(actor_id)
    occurred = encode_basestring(utc_iso)
    head = f"[{encode_basestring(stream)},{int.__repr__(seq)},{encode_basestring(action)},{actor},{occurred}"
    body = f"{head},{payload_json},{encode_basestring(prev_hash)}]"
    return hashlib.sha256(body.encode()).hexdigest()


def columns_of(model: type[Model]) -> list[str]:
    return [field.column for field in model._meta.concrete_fields]


def next_id(model: type[Model]) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


COPY_NULL = "\\N"


def copy_text(value: str) -> str:
    """A text value escaped for COPY's text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def copy_json(text: str) -> str:
    """JSON text escaped for COPY's text format: JSON already writes tabs and line breaks as escapes."""
    return text.replace("\\", "\\\\") if "\\" in text else text


def copy_lines(table: str, columns: list[str], lines: Iterable[str], chunk: int = 5000) -> None:
    """COPY of lines already in PostgreSQL's text format (PostgreSQL only)."""
    quote = connection.ops.quote_name
    target = f"{quote(table)} ({', '.join(quote(column) for column in columns)})"
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
        pending: list[str] = []
        for line in lines:
            pending.append(line)
            if len(pending) >= chunk:
                copy.write("".join(pending))
                pending.clear()
        if pending:
            copy.write("".join(pending))
