"""Helpers for rows written with ids chosen by the generator."""

import hashlib
import json
from datetime import UTC, datetime

from django.db.models import Max, Model

# The encoders json.dumps would build on every call, built once (millions of payloads are encoded).
_dumps = json.JSONEncoder(ensure_ascii=False).encode
# tinhso.core.eventlog.canonical_json, the same encoder settings.
canonical_json = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def columns_of(model: type[Model]) -> list[str]:
    return [field.column for field in model._meta.concrete_fields]


def next_id(model: type[Model]) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def dumps(value: object) -> str:
    return _dumps(value)


def event_hash(
    stream: str, seq: int, action: str, actor_id: int | None, payload_json: str, at: datetime, prev_hash: str
) -> str:
    """tinhso.core.eventlog.event_hash_of_json, its JSON encoder built once."""
    head = canonical_json([stream, seq, action, actor_id, at.astimezone(UTC).isoformat()])
    body = f"{head[:-1]},{payload_json},{canonical_json(prev_hash)}]"
    return hashlib.sha256(body.encode()).hexdigest()
