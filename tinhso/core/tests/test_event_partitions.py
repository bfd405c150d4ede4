"""The event log partitioned by month on PostgreSQL (issue 25, tinhso.core.partitions): the conversion keeps every
event with its id and order, chains cross partitions unchanged, partitions are made ahead by a job."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tinhso.core import heads, partitions, services, tasks
from tinhso.core.logmonths import month_of, next_month
from tinhso.core.models import Event
from tinhso.testing.eventlog import append, months_ago

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite keeps the event log in one table"
    ),
]


def rows() -> list[tuple]:
    return list(Event.objects.order_by("id").values_list("id", "stream", "seq", "occurred_at", "hash"))


def partition_of(event: Event) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM core_event WHERE id = %s", [event.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def log() -> list[Event]:
    """One chain across three months, another this month."""
    return [
        append("test.a:1", months_ago(3)),
        append("test.a:1", months_ago(2)),
        append("test.a:1", timezone.now()),
        append("test.b:1", timezone.now()),
    ]


def test_the_migrated_table_is_partitioned_by_month():
    this_month = month_of(timezone.now())

    assert partitions.is_partitioned()
    assert partition_of(append("test.c:1", timezone.now())) == partitions.partition_name(this_month)


def test_a_month_made_later_takes_its_events_from_the_default_partition(log):
    old = month_of(months_ago(3))
    assert partition_of(log[0]) == partitions.DEFAULT
    before = rows()

    made = services.make_event_partitions(since=old)

    assert partitions.partition_name(old) in made
    assert partition_of(log[0]) == partitions.partition_name(old)
    assert rows() == before
    assert not services.verify_event_log(full=True)


def test_converting_back_and_forth_keeps_every_event_and_its_chain(log):
    services.make_event_partitions(since=month_of(months_ago(3)))
    before = rows()

    partitions.unpartition(connection)
    assert not partitions.is_partitioned() and rows() == before
    assert not services.verify_event_log(full=True)
    partitions.partition(connection, today=timezone.now().date(), ahead=2)

    assert partitions.is_partitioned() and rows() == before
    assert [partition_of(event) for event in log[:2]] == [
        partitions.partition_name(month_of(months_ago(3))),
        partitions.partition_name(month_of(months_ago(2))),
    ]
    assert not services.verify_event_log(full=True)
    with transaction.atomic():
        later = services.record_event(subject="test.a:1", action="test.step", actor=None)
    assert later.pk > before[-1][0] and later.seq == 4 and later.prev_hash == log[2].hash


def test_stream_and_seq_stay_unique_within_a_month(log):
    duplicate = Event(**{field: getattr(log[3], field) for field in ("stream", "seq", "action", "payload")})
    duplicate.occurred_at, duplicate.prev_hash, duplicate.hash = timezone.now(), "", "x"

    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:  # the chains' heads would refuse it first (test_chain_heads)
            cursor.execute(f"ALTER TABLE core_event DISABLE TRIGGER {heads.TRIGGER}")
        duplicate.save(force_insert=True)


def test_the_periodic_job_makes_the_next_months_ahead():
    name = partitions.partition_name(next_month(next_month(next_month(month_of(timezone.now())))))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {name}")

    tasks.make_event_partitions()

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        assert cursor.fetchone()[0] == name
