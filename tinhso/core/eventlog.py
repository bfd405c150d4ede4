"""Hashing rules of the event log, shared by the writer (services) and the verifier (selectors)."""

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Model

GENESIS_HASH = ""
# Heads recorded by a checkpoint cover events written this long before the previous one, and a month is
# closed this long after its end, so that a transaction that committed late is never left out.
CHECKPOINT_GRACE = timedelta(minutes=10)


def stream_of(obj: Model) -> str:
    # __class__, not type(): request.user is a lazy proxy whose type is SimpleLazyObject.
    return stream_name(obj.__class__, obj.pk)


def stream_name(model: type[Model], pk: int) -> str:
    """The event stream of a row, named before the row exists (bulk writers choose its id)."""
    return f"{model._meta.label_lower}:{pk}"


def stream_sql(model: type[Model], column: str) -> str:
    """stream_name as an SQL expression, for the rows whose id is in `column`."""
    return f"'{model._meta.label_lower}:' || CAST({column} AS text)"


def built_encoder(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """`encoder.encode` with what it builds on every call for a dict or a list built once: every event's
    payload is encoded, millions of them by bulk writers. No cycle check: payloads are plain data."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None or encoder.indent is not None:
        return encoder.encode
    strings = json.encoder.encode_basestring_ascii if encoder.ensure_ascii else json.encoder.encode_basestring
    separators = (encoder.key_separator, encoder.item_separator)
    iterencode = make(
        None,
        encoder.default,
        strings,
        None,
        *separators,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )

    def encode(value: Any) -> str:
        return strings(value) if isinstance(value, str) else "".join(iterencode(value, 0))

    return encode


_canonical = built_encoder(json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False))


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 as is: the text every hash of the log is taken over."""
    return _canonical(value)


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
    utc = occurred_at if occurred_at.tzinfo is UTC else occurred_at.astimezone(UTC)
    return event_hash_at(stream, seq, action, actor_id, payload_json, utc.isoformat(), prev_hash)


def event_hash_at(
    stream: str, seq: int, action: str, actor_id: int | None, payload_json: str, utc_iso: str, prev_hash: str
) -> str:
    """SHA-256 of the canonical JSON array [stream, seq, action, actor_id, instant in UTC (ISO 8601),
    payload, prev_hash], written out here for an instant already formatted and a payload already encoded."""
    actor = "null" if actor_id is None else int.__repr__(actor_id)
    strings = json.encoder.encode_basestring
    head = f"[{strings(stream)},{int.__repr__(seq)},{strings(action)},{actor},{strings(utc_iso)}"
    return hashlib.sha256(f"{head},{payload_json},{strings(prev_hash)}]".encode()).hexdigest()


def checkpoint_digest(*, prev_digest: str, taken_at: datetime, heads: list[list]) -> str:
    body = [prev_digest, taken_at.astimezone(UTC).isoformat(), heads]
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def seal_digest(
    *,
    prev_digest: str,
    month: date,
    events: int,
    fold: str,
    last_event_id: int | None,
    last_event_hash: str,
    high_water: int,
    checkpoint_id: int | None,
    checkpoint_digest: str,
    checked_at: datetime,
) -> str:
    """SHA-256 over a sealed month's record (tinhso.core.models.SealedMonth) and the previous seal's digest."""
    body = [
        prev_digest,
        month.isoformat(),
        events,
        fold,
        last_event_id,
        last_event_hash,
        high_water,
        checkpoint_id,
        checkpoint_digest,
        checked_at.astimezone(UTC).isoformat(),
    ]
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


# --- Protection the database does not hold -----------------------------------------------------------------
# Anyone who can write the database can recompute every SHA-256 above; a checkpoint's MAC needs the key, which
# lives in the environment (TINHSO_LOG_KEY) or, for a demo or a test run, in a file generated once under var/.


def log_key() -> bytes:
    configured = settings.TINHSO_LOG_KEY
    if configured:
        return configured.encode()
    path = settings.VAR_DIR / "log-key"
    if not path.exists():
        # Written aside then linked: two processes starting at once keep the one key that won.
        draft = path.with_name(f"log-key.{os.getpid()}.{secrets.token_hex(4)}")
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode()


def checkpoint_mac(digest: str, *, key: bytes | None = None) -> str:
    """HMAC-SHA256 of a checkpoint's digest under the platform's log key."""
    return hmac.new(key or log_key(), digest.encode(), hashlib.sha256).hexdigest()


def mac_matches(digest: str, mac: str, *, key: bytes | None = None) -> bool:
    return hmac.compare_digest(checkpoint_mac(digest, key=key), mac or "")


def write_anchor(*, checkpoint_id: int, digest: str, taken_at: datetime, mac: str) -> None:
    """Keeps the newest checkpoint outside the database (settings.TINHSO_LOG_ANCHOR): deleting checkpoints, or
    truncating the log, leaves the anchor naming one that is gone. An older checkpoint never replaces it."""
    path = settings.TINHSO_LOG_ANCHOR
    current = read_anchor()
    if current is not None and current.get("checkpoint", 0) >= checkpoint_id:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"checkpoint": checkpoint_id, "digest": digest, "taken_at": taken_at.isoformat(), "mac": mac}
    draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    draft.write_text(canonical_json(body))
    os.replace(draft, path)  # atomic: a reader sees the old anchor or the new one


def read_anchor() -> dict | None:
    try:
        anchor = json.loads(settings.TINHSO_LOG_ANCHOR.read_text())
    except FileNotFoundError:
        return None
    except ValueError:
        return {"checkpoint": 0, "digest": "", "unreadable": True}
    return anchor if isinstance(anchor, dict) else {"checkpoint": 0, "digest": "", "unreadable": True}
