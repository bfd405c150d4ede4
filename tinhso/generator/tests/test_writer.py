"""The generator's JSON and COPY text."""

import json
from typing import Any

from tinhso.core.eventlog import canonical_json
from tinhso.dossiers.models import Status
from tinhso.generator import writer

PAYLOADS: tuple[dict[str, Any], ...] = (
    {},
    {"code": "000.00.01.H12-260320-0001", "status": Status.ACCEPTED, "step": None, "on_time": True},
    {"reason": "Tờ khai còn thiếu chữ ký \"người\" yêu cầu\\n", "files": [], "hours": 2.5, "z": {"b": 1, "a": [1, None]}},
    {"notify": [12, 7], "due_at": "2026-03-20T08:00:00+07:00", "tab": "a\tb\nc\u2028", "big": 10**20},
)  # fmt: skip


def test_dumps_matches_the_standard_encoder() -> None:
    for payload in (*PAYLOADS, [1, "ả", None], "Chứng thực", 5, None):
        assert writer.dumps(payload) == json.dumps(payload, ensure_ascii=False)


def test_payloads_are_encoded_as_canonical_json() -> None:
    for payload in (
        *PAYLOADS,
        {"hours": 0.01, "paused_hours": 1234.56, "lat": 10.654321},
        {"ä": 1, "B": 2, "a": 3},
    ):
        assert writer.payload_json(payload).decode() == canonical_json(payload)


def test_jsonb_text_holds_the_same_value() -> None:
    for payload in (*PAYLOADS, [[3406, "Chứng thực", "2024-Q4", "received"]]):
        assert json.loads(writer.jsonb_text(payload)) == payload


def test_copy_text_escapes_what_copy_reads_as_special() -> None:
    assert writer.copy_text('{"a":"x\\\\ny"}') == '{"a":"x\\\\\\\\ny"}'
    assert writer.copy_text("a\tb\nc\rd") == "a\\tb\\nc\\rd"
    assert writer.copy_text("plain") == "plain"
    for payload in PAYLOADS:
        text = canonical_json(payload)
        assert writer.copy_json(text) == writer.copy_text(text)
