"""Each chain's head in its own row (issue 25, tinhso.core.heads): kept by the log's trigger on both databases,
read by writers instead of the log, and refusing an event that does not follow it: no fork, no gap, even across
months on the partitioned log and between writers racing without the aggregate's lock."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from tinhso.core import heads, partitions, services
from tinhso.core.eventlog import GENESIS_HASH, event_hash
from tinhso.core.models import Event, StreamHead
from tinhso.core.sql import chain_head
from tinhso.testing.eventlog import append, months_ago

pytestmark = pytest.mark.django_db

POSTGRESQL = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's partitions")


def log_heads() -> dict[str, tuple[int, str]]:
    """Each stream's last event, read from the log itself."""
    found: dict[str, tuple[int, str]] = {}
    for stream, seq, digest in Event.objects.order_by("stream", "seq").values_list("stream", "seq", "hash"):
        found[stream] = (seq, digest)
    return found


def kept_heads() -> dict[str, tuple[int, str]]:
    return {row.stream: (row.seq, row.hash) for row in StreamHead.objects.all()}


def following(stream: str, *, seq: int, prev_hash: str, at=None) -> Event:
    """An event numbered `seq` chained onto `prev_hash`, hashed as the services hash it (not saved)."""
    at = at or timezone.now()
    digest = event_hash(
        stream=stream,
        seq=seq,
        action="test.step",
        actor_id=None,
        payload={},
        occurred_at=at,
        prev_hash=prev_hash,
    )
    return Event(
        stream=stream,
        seq=seq,
        action="test.step",
        payload={},
        occurred_at=at,
        prev_hash=prev_hash,
        hash=digest,
    )


def test_every_insert_keeps_its_streams_head_and_writers_read_it():
    with transaction.atomic():
        first = services.record_event(subject="test.a:1", action="test.step", actor=None)
        second = services.record_event(subject="test.a:1", action="test.step", actor=None)
    append("test.b:1", months_ago(2))

    assert kept_heads() == log_heads()
    assert chain_head("test.a:1") == (2, second.hash) and second.prev_hash == first.hash
    assert chain_head("test.c:1") == (0, GENESIS_HASH)
    assert StreamHead.objects.get(pk="test.a:1").occurred_at == second.occurred_at


@pytest.mark.parametrize(
    "seq, prev", [(3, "head"), (2, "other"), (1, "genesis")], ids=["a gap", "a fork", "a second first event"]
)
def test_an_event_that_does_not_follow_the_head_is_refused(seq, prev):
    head = append("test.a:1", timezone.now())
    prev_hash = {"head": head.hash, "other": "f" * 64, "genesis": GENESIS_HASH}[prev]

    with pytest.raises(IntegrityError), transaction.atomic():
        following("test.a:1", seq=seq, prev_hash=prev_hash).save(force_insert=True)

    assert kept_heads() == log_heads() and kept_heads()["test.a:1"] == (1, head.hash)


@POSTGRESQL
def test_a_second_event_with_the_same_number_in_another_month_is_refused():
    """The partitions' unique (stream, seq) holds within a month only: the head sees across months."""
    old = append("test.a:1", months_ago(2))
    append("test.a:1", months_ago(2, day=12))
    fork = following("test.a:1", seq=2, prev_hash=old.hash, at=timezone.now())

    with pytest.raises(IntegrityError), transaction.atomic():
        fork.save(force_insert=True)

    assert list(Event.objects.filter(stream="test.a:1").values_list("seq", flat=True)) == [1, 2]
    assert not services.verify_event_log(full=True)


@POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_two_writers_racing_on_one_chain_across_a_month_end_never_fork_it():
    """Both read the head before either writes, without the aggregate's lock; the second is dated a month later, so
    only the head (not the month's unique index) can stop it: one event is written, the other is a Conflict."""
    first = append("test.race:1", timezone.now() - timedelta(days=40))
    both_read = threading.Barrier(2)
    outcomes: list[str] = []

    def write(at) -> None:
        try:
            with transaction.atomic():
                seq, prev_hash = chain_head("test.race:1")
                both_read.wait(timeout=10)
                following("test.race:1", seq=seq + 1, prev_hash=prev_hash, at=at).save(force_insert=True)
            outcomes.append("written")
        except IntegrityError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    writers = [
        threading.Thread(target=write, args=(first.occurred_at + timedelta(days=1),)),
        threading.Thread(target=write, args=(timezone.now(),)),
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=30)

    assert sorted(outcomes) == ["refused", "written"]
    assert list(Event.objects.filter(stream="test.race:1").order_by("seq").values_list("seq", flat=True)) == [
        1,
        2,
    ]
    assert kept_heads() == log_heads()
    assert not services.verify_event_log(full=True)


@POSTGRESQL
def test_the_heads_are_kept_after_converting_the_log_back_and_forth():
    append("test.a:1", months_ago(3))
    partitions.unpartition(connection)
    append("test.a:1", months_ago(2))
    partitions.partition(connection, today=timezone.now().date(), ahead=2)

    with transaction.atomic():
        later = services.record_event(subject="test.a:1", action="test.step", actor=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        following("test.a:1", seq=2, prev_hash=later.hash).save(force_insert=True)

    assert later.seq == 3 and kept_heads() == log_heads()


def test_rebuilding_reads_every_head_from_the_log():
    for at in (months_ago(2), months_ago(1), timezone.now()):
        append("test.a:1", at)
    append("test.b:1", timezone.now())
    StreamHead.objects.all().delete()

    heads.rebuild(connection)

    assert kept_heads() == log_heads()
    assert kept_heads()["test.a:1"][0] == 3 and kept_heads()["test.b:1"][0] == 1
