"""Sealed months (issue 25): `verify-log` seals each closed month it found intact and later reads only the
months not sealed; `verify-log --full` and the weekly job read everything again. Tampering is raw SQL."""

import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tinhso.core import services, tasks
from tinhso.core.eventlog import event_hash
from tinhso.core.logmonths import month_of, month_start, next_month
from tinhso.core.models import Event, SealedMonth
from tinhso.testing.eventlog import append, months_ago

pytestmark = pytest.mark.django_db


def sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def log() -> dict[str, Event]:
    """Three months ago, two months ago and now; stream a crosses all three, the month before is empty."""
    events = {
        "a1": append("test.a:1", months_ago(3)),
        "a2": append("test.a:1", months_ago(3, day=20)),
        "a3": append("test.a:1", months_ago(2)),
        "b1": append("test.b:1", months_ago(2, day=12)),
        "a4": append("test.a:1", timezone.now()),
        "c1": append("test.c:1", timezone.now()),
    }
    first = services.verify_event_log()
    assert not first, first
    assert first.events == Event.objects.count()
    return events


def read_now() -> int:
    return Event.objects.filter(occurred_at__gte=month_start(month_of(timezone.now()))).count()


def test_the_first_run_seals_each_closed_month_and_the_second_reads_only_the_open_one(log):
    sealed = {seal.month: seal.events for seal in SealedMonth.objects.all()}
    three_ago, two_ago = month_of(months_ago(3)), month_of(months_ago(2))
    assert sealed == {three_ago: 2, two_ago: 2, next_month(two_ago): 0}

    second = services.verify_event_log()

    assert not second, second
    assert second.events == read_now() < Event.objects.count()
    assert second.skipped_months == 3
    assert SealedMonth.objects.count() == 3  # nothing new to seal


def test_a_row_edited_in_a_sealed_month_is_found_by_the_full_run(log):
    sql("UPDATE core_event SET payload = %s WHERE id = %s", ['{"step": 99}', log["a1"].pk])

    assert not services.verify_event_log()  # the sealed month is not read again: that is the saving
    full = services.verify_event_log(full=True)

    assert full.events == Event.objects.count()
    messages = [str(problem) for problem in full]
    assert any(f"sự kiện #{log['a1'].pk}" in message and "mã băm" in message for message in messages)


def test_the_command_reads_everything_with_full(log):
    sql("UPDATE core_event SET payload = %s WHERE id = %s", ['{"step": 99}', log["b1"].pk])
    out, err = StringIO(), StringIO()

    call_command("verify_log", stdout=out, stderr=err)
    assert f"{read_now()} sự kiện" in out.getvalue()
    assert "bỏ qua 3 tháng đã niêm phong" in err.getvalue()
    with pytest.raises(SystemExit) as stop:
        call_command("verify_log", "--full", stdout=out, stderr=err)

    assert stop.value.code == 1
    assert f"sự kiện #{log['b1'].pk}" in out.getvalue()


def test_a_rewritten_event_of_a_sealed_month_breaks_the_link_from_the_open_month(log):
    forged = {"step": 3, "forged": True}
    forged_hash = event_hash(
        stream="test.a:1",
        seq=3,
        action="test.step",
        actor_id=None,
        payload=forged,
        occurred_at=log["a3"].occurred_at,
        prev_hash=log["a3"].prev_hash,
    )
    sql(
        "UPDATE core_event SET payload = %s, hash = %s WHERE id = %s",
        ['{"forged": true, "step": 3}', forged_hash, log["a3"].pk],
    )

    [problem] = services.verify_event_log()

    assert problem.event_id == log["a4"].pk
    assert f"không nối với sự kiện liền trước #{log['a3'].pk}" in str(problem)


def test_events_written_later_into_a_sealed_month_get_it_read_and_sealed_again(log):
    late = append("test.d:1", months_ago(2, day=15))  # a bulk load of history

    result = services.verify_event_log()

    assert not result, result
    assert result.events == read_now() + 3
    newest = SealedMonth.objects.latest("id")
    assert (newest.month, newest.events, newest.last_event_id) == (month_of(late.occurred_at), 3, late.pk)
    assert services.verify_event_log().skipped_months == 3


def test_a_forged_seal_is_named_and_every_month_read(log):
    sql("UPDATE core_sealedmonth SET events = 5 WHERE month = %s", [month_of(months_ago(3))])

    result = services.verify_event_log()

    assert result.events == Event.objects.count()
    assert any("niêm phong tháng" in str(problem) and "mã xác thực" in str(problem) for problem in result)


def test_deleting_a_sealed_months_events_is_found_without_full(log):
    sql("DELETE FROM core_event WHERE id IN (%s, %s)", [log["a1"].pk, log["a2"].pk])

    messages = [str(problem) for problem in services.verify_event_log()]

    assert any(f"sự kiện #{log['a2'].pk}" in message and "đã bị xóa" in message for message in messages)
    assert any(
        f"sự kiện #{log['a3'].pk}" in message and "thiếu sự kiện số 1–2" in message for message in messages
    )
    full = [str(problem) for problem in services.verify_event_log(full=True)]
    assert any("niêm phong với 2 sự kiện, nay đọc được 0 sự kiện" in message for message in full)


def test_a_checkpoint_a_seal_was_chained_to_must_stay(log):
    services.take_checkpoint()
    assert not services.verify_event_log(full=True)
    SealedMonth.objects.all().delete()
    assert not services.verify_event_log()  # seals again, chained to the checkpoint
    sql("UPDATE core_checkpoint SET digest = %s", ["0" * 64])

    messages = [str(problem) for problem in services.verify_event_log()]

    assert any("đã được niêm phong cùng tháng" in message for message in messages)


def test_the_weekly_job_reads_every_month(log, caplog):
    sql("UPDATE core_event SET payload = %s WHERE id = %s", ['{"step": 99}', log["a2"].pk])

    with caplog.at_level(logging.ERROR, logger="tinhso.core.tasks"):
        tasks.verify_whole_event_log()

    assert any(f"sự kiện #{log['a2'].pk}" in record.getMessage() for record in caplog.records)
