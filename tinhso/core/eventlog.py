"""Hashing rules of the event log, shared by the writer (services) and the verifier (selectors)."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.db.models import Model

GENESIS_HASH = ""


def stream_of(obj: Model) -> str:
    return stream_name(type(obj), obj.pk)


def stream_name(model: type[Model], pk: int) -> str:
    """The event stream of a row, named before the row exists (bulk writers choose its id)."""
    return f"{model._meta.label_lower}:{pk}"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(
    *,
    stream: str,
    seq: int,
    action: str,
    actor_id: int | None,
    payload: dict,
    occurred_at: datetime,
    prev_hash: str,
) -> str:
    return event_hash_of_json(
        stream=stream,
        seq=seq,
        action=action,
        actor_id=actor_id,
        payload_json=canonical_json(payload),
        occurred_at=occurred_at,
        prev_hash=prev_hash,
    )


def event_hash_of_json(
    *,
    stream: str,
    seq: int,
    action: str,
    actor_id: int | None,
    payload_json: str,
    occurred_at: datetime,
    prev_hash: str,
) -> str:
    """event_hash for a payload already in canonical JSON (bulk writers store that same text)."""
    head = canonical_json([stream, seq, action, actor_id, occurred_at.astimezone(UTC).isoformat()])
    body = f"{head[:-1]},{payload_json},{canonical_json(prev_hash)}]"
    return hashlib.sha256(body.encode()).hexdigest()


def checkpoint_digest(*, prev_digest: str, taken_at: datetime, heads: list[list]) -> str:
    body = [prev_digest, taken_at.astimezone(UTC).isoformat(), heads]
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()
