"""The five ways the log was rewritten without `tinhso verify-log` noticing (issue 19, item 8), each done with
raw SQL as someone holding the database but not the log key nor the server's files would; each now fails.
A clean log of real dossiers and field reports passes first, so a failure is the tampering's, not noise."""

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from tinhso.core import services
from tinhso.core.eventlog import GENESIS_HASH, canonical_json, event_hash, read_anchor
from tinhso.core.models import Checkpoint, Event
from tinhso.dossiers.models import Dossier, Status
from tinhso.fieldreports import services as report_services
from tinhso.testing.dossier_flow import in_state
from tinhso.testing.fieldreport_helpers import file_report

pytestmark = pytest.mark.django_db


def verify_log() -> tuple[int | str | None, str]:
    out = StringIO()
    try:
        call_command("verify_log", stdout=out, stderr=StringIO())
    except SystemExit as stop:
        return stop.code, out.getvalue()
    return 0, out.getvalue()


def sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


@pytest.fixture
def checkpointed(django_capture_on_commit_callbacks):
    """Takes a checkpoint as the periodic job does: committed, so its anchor is written outside the database."""

    def take():
        with django_capture_on_commit_callbacks(execute=True):
            return services.take_checkpoint()

    return take


@pytest.fixture
def history(cast, categories, staff, checkpointed) -> dict:
    """A returned dossier and a published report, checkpointed; then one more dossier step not yet covered."""
    returned = in_state(cast, "returned")
    report = file_report()
    report = report_services.acknowledge_report(
        actor=staff["handler"], tracking_code=report.tracking_code, version=report.version
    )
    report = report_services.post_result(
        actor=staff["handler"],
        tracking_code=report.tracking_code,
        version=report.version,
        result="Đã thay bóng.",
    )
    report = report_services.approve_result(
        actor=staff["coordinator"], tracking_code=report.tracking_code, version=report.version
    )
    processing = in_state(cast, "processing")
    checkpoint = checkpointed()
    later = services_forward(cast, processing)
    status, output = verify_log()
    assert status == 0, output
    anchor = read_anchor()
    assert anchor is not None and anchor["checkpoint"] == checkpoint.pk
    return {"returned": returned, "report": report, "later": later, "checkpoint": checkpoint}


def services_forward(cast, dossier: Dossier) -> Dossier:
    from tinhso.dossiers import services as dossier_services

    return dossier_services.forward(actor=cast.specialist, code=dossier.code, version=dossier.version)


def stream(row) -> str:
    return f"{row._meta.label_lower}:{row.pk}"


def test_deleting_the_last_event_of_a_stream_written_after_the_last_checkpoint_fails(history):
    later = history["later"]
    last = Event.objects.filter(stream=stream(later)).order_by("-seq").first()
    assert last.occurred_at > history["checkpoint"].taken_at  # no checkpoint has seen it
    sql("DELETE FROM core_event WHERE id = %s", [last.pk])
    status, output = verify_log()
    assert status == 1
    assert f"chuỗi {stream(later)}: trường version của bản ghi là {later.version}" in output


def test_deleting_the_newest_checkpoint_with_the_events_only_it_recorded_fails(history, cast, checkpointed):
    extra = in_state(cast, "new")
    newest = checkpointed()
    sql("DELETE FROM core_event WHERE stream = %s", [stream(extra)])
    sql("DELETE FROM dossiers_dossierdocument WHERE dossier_id = %s", [extra.pk])
    sql("DELETE FROM dossiers_dossier WHERE id = %s", [extra.pk])
    sql("DELETE FROM core_checkpoint WHERE id = %s", [newest.pk])
    status, output = verify_log()
    assert status == 1
    assert f"điểm kiểm mới nhất đã lưu bên ngoài cơ sở dữ liệu (#{newest.pk}) không còn" in output


def test_a_rewritten_chain_with_every_hash_and_checkpoint_recomputed_in_plain_sha256_fails(history):
    returned = history["returned"]
    events = list(Event.objects.filter(stream=stream(returned)).order_by("seq"))
    # The forger makes the dossier look refused at once: payloads rewritten, every hash recomputed.
    prev = GENESIS_HASH
    for event in events:
        event.payload = event.payload | {"status": Status.REFUSED}
        event.prev_hash = prev
        event.hash = event_hash(
            stream=event.stream,
            seq=event.seq,
            action=event.action,
            actor_id=event.actor_id,
            payload=event.payload,
            occurred_at=event.occurred_at,
            prev_hash=prev,
        )
        sql(
            "UPDATE core_event SET payload = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [canonical_json(event.payload), event.prev_hash, event.hash, event.pk],
        )
        prev = event.hash
    sql("UPDATE dossiers_dossier SET status = %s WHERE id = %s", [Status.REFUSED, returned.pk])
    # ... then every checkpoint, chained again with the new heads, as the code in the repository does.
    prev_digest = GENESIS_HASH
    for checkpoint in Checkpoint.objects.order_by("id"):
        heads = [
            [name, seq, prev if name == stream(returned) and seq == events[-1].seq else head_hash]
            for name, seq, head_hash in checkpoint.heads
        ]
        body = [prev_digest, checkpoint.taken_at.isoformat(), heads]
        digest = hashlib.sha256(canonical_json(body).encode()).hexdigest()
        sql(
            "UPDATE core_checkpoint SET heads = %s, prev_digest = %s, digest = %s WHERE id = %s",
            [canonical_json(heads), prev_digest, digest, checkpoint.pk],
        )
        prev_digest = digest
    status, output = verify_log()
    assert status == 1
    assert "không mang mã xác thực (MAC) của khóa nhật ký" in output
    assert "khác với bản đã lưu bên ngoài cơ sở dữ liệu" in output


def test_truncating_the_events_and_the_checkpoints_fails(history):
    sql("DELETE FROM core_event")
    sql("DELETE FROM core_checkpoint")
    status, output = verify_log()
    assert status == 1
    assert "0 sự kiện" in output.splitlines()[0]
    assert "không còn: điểm kiểm và sự kiện đã bị xóa" in output
    assert f"chuỗi {stream(history['returned'])}: bản ghi không có sự kiện nào: chuỗi đã bị xóa" in output


def test_editing_a_domain_row_directly_fails(history):
    returned, report = history["returned"], history["report"]
    sql("UPDATE dossiers_dossier SET status = %s WHERE id = %s", [Status.PROCESSING, returned.pk])
    sql("UPDATE fieldreports_report SET status = 'acknowledged' WHERE id = %s", [report.pk])
    status, output = verify_log()
    assert status == 1
    assert f"chuỗi {stream(returned)}: trường status của bản ghi là {Status.PROCESSING}" in output
    assert (
        f"chuỗi {stream(report)}: trường status của bản ghi là 'acknowledged', chuỗi sự kiện cho 'published'"
        in output
    )


def test_a_checkpoint_is_macd_with_a_key_the_database_does_not_hold(history, settings, checkpointed):
    checkpoint = history["checkpoint"]
    assert len(checkpoint.mac) == 64
    settings.TINHSO_LOG_KEY = "another-deployment-key-" + "x" * 20
    status, output = verify_log()
    assert status == 1 and f"điểm kiểm #{checkpoint.pk}: điểm kiểm không mang mã xác thực" in output
