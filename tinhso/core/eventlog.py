"""Hashing rules of the event log, shared by the writer (services) and the verifier (selectors)."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = ""


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
    body = [stream, seq, action, actor_id, occurred_at.astimezone(UTC).isoformat(), payload, prev_hash]
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def checkpoint_digest(*, prev_digest: str, taken_at: datetime, heads: list[list]) -> str:
    body = [prev_digest, taken_at.astimezone(UTC).isoformat(), heads]
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()
