"""Helpers for rows written with ids chosen by the generator."""

import json

import msgspec
from django.db.models import Max, Model

from tinhso.core.eventlog import built_encoder

_dumps = built_encoder(json.JSONEncoder(ensure_ascii=False))
# canonical_json's bytes for the payloads the generator writes (strings, integers, booleans, None, lists, dicts
# and floats between 1e-4 and 1e16, which both write as repr does), in a fifth of its time: keys sorted by code
# point, UTF-8 as is, the same escapes (test_writer.py compares them; verify-log recomputes every hash).
payload_json = msgspec.json.Encoder(order="sorted").encode


def dumps(value: object) -> str:
    """JSON as Django's JSONField stores it (for values no hash covers)."""
    return _dumps(value)


_compact = msgspec.json.Encoder().encode


def jsonb_text(value: object) -> str:
    """JSON for a jsonb column (PostgreSQL), without dumps' spaces: jsonb keeps the value, not the text."""
    return _compact(value).decode()


def columns_of(model: type[Model]) -> list[str]:
    return [field.column for field in model._meta.concrete_fields]


def next_id(model: type[Model]) -> int:
    return int(model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


COPY_NULL = "\\N"


def copy_text(value: str) -> str:
    """A text value escaped for COPY's text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def copy_json(text: str) -> str:
    """JSON text escaped for COPY's text format: JSON already writes tabs and line breaks as escapes."""
    return text.replace("\\", "\\\\") if "\\" in text else text
