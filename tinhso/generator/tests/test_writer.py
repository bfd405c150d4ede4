"""The generator's own JSON and hashing write exactly what tinhso.core.eventlog writes."""

from datetime import UTC, datetime, timedelta, timezone

from tinhso.core.eventlog import GENESIS_HASH, canonical_json, event_hash
from tinhso.dossiers.models import Status
from tinhso.generator import writer

PAYLOADS = (
    {},
    {"code": "000.00.01.H12-260320-0001", "status": Status.ACCEPTED, "step": None, "on_time": True},
    {"reason": "Tờ khai còn thiếu chữ ký \"người\" yêu cầu\\n", "files": [], "hours": 2.5, "z": {"b": 1, "a": [1, None]}},
    {"notify": [12, 7], "due_at": "2026-03-20T08:00:00+07:00", "tab": "a\tb\nc\u2028", "big": 10**20},
)  # fmt: skip


def test_canonical_json_and_dumps_match_the_standard_encoder() -> None:
    import json

    for payload in (*PAYLOADS, [1, "ả", None], "Chứng thực", 5, None):
        assert writer.canonical_json(payload) == canonical_json(payload)
        assert writer.dumps(payload) == json.dumps(payload, ensure_ascii=False)


def test_event_hash_matches_the_event_log() -> None:
    at = datetime(2026, 3, 20, 8, 5, 7, 120, tzinfo=timezone(timedelta(hours=7)))
    previous = GENESIS_HASH
    for seq, payload in enumerate(PAYLOADS, 1):
        actor = None if seq % 2 else 40 + seq
        ours = writer.event_hash(
            "dossiers.dossier:9",
            seq,
            "dossier.forwarded",
            actor,
            writer.canonical_json(payload),
            at,
            previous,
        )
        theirs = event_hash(
            stream="dossiers.dossier:9",
            seq=seq,
            action="dossier.forwarded",
            actor_id=actor,
            payload=payload,
            occurred_at=at.astimezone(UTC),
            prev_hash=previous,
        )
        assert ours == theirs
        previous = ours


def test_copy_text_escapes_what_copy_reads_as_special() -> None:
    assert writer.copy_text('{"a":"x\\\\ny"}') == '{"a":"x\\\\\\\\ny"}'
    assert writer.copy_text("a\tb\nc\rd") == "a\\tb\\nc\\rd"
    assert writer.copy_text("plain") == "plain"
    for payload in PAYLOADS:
        text = writer.canonical_json(payload)
        assert writer.copy_json(text) == writer.copy_text(text)
