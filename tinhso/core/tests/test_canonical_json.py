"""The log's canonical JSON and event hash, built for speed, write exactly what their definition says."""

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from tinhso.core.eventlog import GENESIS_HASH, built_encoder, canonical_json, event_hash

PAYLOADS: tuple[dict[str, Any], ...] = (
    {},
    {"code": "000.00.01.H12-260320-0001", "status": 2, "step": None, "on_time": True},
    {"reason": "Tờ khai còn thiếu chữ ký \"người\" yêu cầu\\n", "files": [], "hours": 2.5, "z": {"b": 1, "a": [1, None]}},
    {"notify": [12, 7], "due_at": "2026-03-20T08:00:00+07:00", "tab": "a\tb\nc\u2028", "big": 10**20},
)  # fmt: skip
VALUES = (*PAYLOADS, [1, "ả", None], "Chứng thực", 5, 2.25, None, True)


def test_canonical_json_is_sorted_compact_unescaped_json() -> None:
    for value in VALUES:
        assert canonical_json(value) == json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )


def test_a_built_encoder_writes_what_its_encoder_writes() -> None:
    for encoder in (
        json.JSONEncoder(ensure_ascii=False),
        json.JSONEncoder(),
        json.JSONEncoder(sort_keys=True),
    ):
        encode = built_encoder(encoder)
        for value in VALUES:
            assert encode(value) == encoder.encode(value)


def test_the_event_hash_is_sha256_of_the_canonical_array_of_the_event() -> None:
    at = datetime(2026, 3, 20, 8, 5, 7, 120, tzinfo=timezone(timedelta(hours=7)))
    previous = GENESIS_HASH
    for seq, payload in enumerate(PAYLOADS, 1):
        actor = None if seq % 2 else 40 + seq
        event = [
            "dossiers.dossier:9",
            seq,
            "dossier.forwarded",
            actor,
            at.astimezone(UTC).isoformat(),
            payload,
        ]
        definition = json.dumps([*event, previous], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = event_hash(
            stream="dossiers.dossier:9",
            seq=seq,
            action="dossier.forwarded",
            actor_id=actor,
            payload=payload,
            occurred_at=at,
            prev_hash=previous,
        )
        assert digest == hashlib.sha256(definition.encode()).hexdigest()
        previous = digest
