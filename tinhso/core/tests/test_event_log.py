"""The event log: per-object hash chains, checkpoints over their heads, and `tinhso verify-log`.

Tampering is done with raw SQL, as someone with database access would, bypassing every service.
"""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from tinhso.core import selectors, services, tasks
from tinhso.core.errors import Conflict, InvalidInput
from tinhso.core.eventlog import GENESIS_HASH, canonical_json, checkpoint_digest, event_hash, stream_of
from tinhso.core.models import Checkpoint, Event, Role, User
from tinhso.testing.concurrency import run_together, settle
from tinhso.testing.factories import CENTRE, JUSTICE, official

pytestmark = pytest.mark.django_db


def verify_log() -> tuple[int, str]:
    """Runs `tinhso verify-log`; returns its exit status and output."""
    out = StringIO()
    try:
        call_command("verify_log", stdout=out)
    except SystemExit as stop:
        return int(stop.code or 0), out.getvalue()
    return 0, out.getvalue()


def sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def chain(user: User) -> list[Event]:
    return list(Event.objects.filter(stream=stream_of(user)).order_by("seq"))


def problem_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines()[1:]]


@pytest.fixture
def receptionist() -> User:
    """Three events on the stream core.user:<pk>: created, then two roles assigned."""
    return official("motcua", (Role.RECEPTIONIST, CENTRE), (Role.SPECIALIST, JUSTICE))


def test_an_intact_log_passes_with_counts(receptionist):
    official("chuyenvien", (Role.SPECIALIST, JUSTICE))
    services.take_checkpoint()
    official("lanhdao", (Role.UNIT_LEADER, JUSTICE))

    status, output = verify_log()

    assert status == 0, output
    events, streams = Event.objects.count(), Event.objects.values("stream").distinct().count()
    assert events > 7 and streams > 3  # the units loaded with the reference data have their own chains
    assert output.strip() == (
        f"Nhật ký sự kiện nguyên vẹn: {events} sự kiện trong {streams} chuỗi, "
        f"{Checkpoint.objects.count()} điểm kiểm."
    )


def test_each_object_has_its_own_chain(receptionist):
    other = official("chuyenvien", (Role.SPECIALIST, JUSTICE))
    services.assign_role(actor=None, user=receptionist, role=Role.REPORTING_OFFICER, unit_code=CENTRE)

    mine, theirs = chain(receptionist), chain(other)
    assert [event.seq for event in mine] == [1, 2, 3, 4]
    assert [event.seq for event in theirs] == [1, 2]
    # The other official's first event was written after three of mine, yet starts its own chain.
    assert theirs[0].prev_hash == GENESIS_HASH
    assert theirs[1].prev_hash == theirs[0].hash
    assert mine[3].prev_hash == mine[2].hash
    assert {event.hash for event in mine}.isdisjoint(event.prev_hash for event in theirs)


def test_an_event_hash_covers_every_recorded_field(receptionist):
    event = chain(receptionist)[0]
    fields = {
        "stream": event.stream,
        "seq": event.seq,
        "action": event.action,
        "actor_id": event.actor_id,
        "payload": event.payload,
        "occurred_at": event.occurred_at,
        "prev_hash": event.prev_hash,
    }
    assert event_hash(**fields) == event.hash
    changes = {
        "stream": "core.user:0",
        "seq": 2,
        "action": "account.deleted",
        "actor_id": receptionist.pk,
        "payload": {"username": "motcua2"},
        "occurred_at": event.occurred_at + timedelta(microseconds=1),
        "prev_hash": "0" * 64,
    }
    for name, value in changes.items():
        assert event_hash(**fields | {name: value}) != event.hash, name


def test_an_edited_payload_is_named(receptionist):
    edited = chain(receptionist)[1]
    payload = canonical_json({"role": Role.ADMINISTRATOR, "unit": CENTRE})
    sql("UPDATE core_event SET payload = %s WHERE id = %s", [payload, edited.pk])

    status, output = verify_log()

    assert status == 1
    first = problem_lines(output)[0]
    assert f"sự kiện #{edited.pk}" in first
    assert f"chuỗi {edited.stream}" in first and "số thứ tự 2" in first and "bị sửa" in first
    assert len(problem_lines(output)) == 1


def test_problems_are_listed_from_the_first_broken_event():
    # The older event sits in the stream that sorts last, so stream order and id order disagree.
    older = services.record_event(subject="dossiers.dossier:1", action="dossier.submitted", actor=None)
    newer = services.record_event(subject="core.calendar:2027", action="calendar.declared", actor=None)
    for event in (newer, older):
        sql("UPDATE core_event SET action = %s WHERE id = %s", ["dossier.deleted", event.pk])

    problems = selectors.verify_event_log()

    assert [problem.event_id for problem in problems] == [older.pk, newer.pk]
    assert (
        verify_log()[1].splitlines()[1].strip().startswith(f"sự kiện #{older.pk}, chuỗi dossiers.dossier:1")
    )


def test_a_deleted_middle_event_is_named_on_the_next_one(receptionist):
    first, deleted, following = chain(receptionist)
    sql("DELETE FROM core_event WHERE id = %s", [deleted.pk])

    status, output = verify_log()

    assert status == 1
    [line] = problem_lines(output)
    assert f"sự kiện #{following.pk}" in line and "số thứ tự 3" in line and deleted.stream in line
    assert "thiếu sự kiện số 2 " in line and f"#{first.pk}" in line


def test_a_rewritten_event_with_a_recomputed_hash_breaks_the_link_to_the_next(receptionist):
    first, rewritten, following = chain(receptionist)
    forged = {"role": Role.ADMINISTRATOR, "unit": CENTRE}
    forged_hash = event_hash(
        stream=rewritten.stream,
        seq=2,
        action=rewritten.action,
        actor_id=None,
        payload=forged,
        occurred_at=rewritten.occurred_at,
        prev_hash=first.hash,
    )
    sql(
        "UPDATE core_event SET payload = %s, hash = %s WHERE id = %s",
        [canonical_json(forged), forged_hash, rewritten.pk],
    )

    problems = selectors.verify_event_log()

    assert [(problem.event_id, problem.seq) for problem in problems] == [(following.pk, 3)]
    assert f"#{rewritten.pk}" in problems[0].message


def test_a_tail_deleted_after_a_checkpoint_is_named_through_it(receptionist):
    checkpoint = services.take_checkpoint()
    *_, last_kept, tail = chain(receptionist)
    sql("DELETE FROM core_event WHERE id = %s", [tail.pk])

    status, output = verify_log()

    assert status == 1
    [line] = problem_lines(output)
    assert f"chuỗi {tail.stream}" in line and "số thứ tự 3" in line
    assert f"điểm kiểm #{checkpoint.pk}" in line and f"#{last_kept.pk}" in line


def test_a_rewritten_tail_with_a_recomputed_hash_is_caught_by_the_checkpoint(receptionist):
    checkpoint = services.take_checkpoint()
    tail = chain(receptionist)[-1]
    forged = {"role": Role.ADMINISTRATOR, "unit": CENTRE}
    forged_hash = event_hash(
        stream=tail.stream,
        seq=tail.seq,
        action=tail.action,
        actor_id=None,
        payload=forged,
        occurred_at=tail.occurred_at,
        prev_hash=tail.prev_hash,
    )
    sql(
        "UPDATE core_event SET payload = %s, hash = %s WHERE id = %s",
        [canonical_json(forged), forged_hash, tail.pk],
    )

    [problem] = selectors.verify_event_log()

    assert (problem.event_id, problem.stream, problem.seq) == (tail.pk, tail.stream, 3)
    assert f"#{checkpoint.pk}" in problem.message


def test_a_whole_stream_deleted_after_a_checkpoint_is_named(receptionist):
    stream = stream_of(receptionist)
    checkpoint = services.take_checkpoint()
    sql("DELETE FROM core_event WHERE stream = %s", [stream])

    status, output = verify_log()

    assert status == 1
    [line] = problem_lines(output)
    assert f"chuỗi {stream}" in line and "số thứ tự 3" in line
    assert f"điểm kiểm #{checkpoint.pk}" in line and "không còn sự kiện nào" in line


def test_an_edited_checkpoint_is_named(receptionist):
    first = services.take_checkpoint()
    trimmed = [head for head in first.heads if head[0] != stream_of(receptionist)]
    sql("UPDATE core_checkpoint SET heads = %s WHERE id = %s", [canonical_json(trimmed), first.pk])

    status, output = verify_log()

    assert status == 1
    [line] = problem_lines(output)
    assert f"điểm kiểm #{first.pk}" in line and "bị sửa" in line


def test_a_forged_checkpoint_with_a_recomputed_digest_is_named_by_the_next_one(receptionist):
    now = timezone.now()
    first = services.take_checkpoint(now=now)
    official("chuyenvien", (Role.SPECIALIST, JUSTICE))
    second = services.take_checkpoint(now=now + timedelta(minutes=15))
    # Someone deletes the receptionist's history, then rewrites the checkpoint that remembered it.
    stream = stream_of(receptionist)
    sql("DELETE FROM core_event WHERE stream = %s", [stream])
    trimmed = [head for head in first.heads if head[0] != stream]
    digest = checkpoint_digest(prev_digest=first.prev_digest, taken_at=first.taken_at, heads=trimmed)
    sql(
        "UPDATE core_checkpoint SET heads = %s, digest = %s WHERE id = %s",
        [canonical_json(trimmed), digest, first.pk],
    )

    problems = selectors.verify_event_log()

    # The rewritten checkpoint lacks the log key's MAC; the next one no longer links to it.
    unsigned, broken_link = [problem for problem in problems if not problem.stream]
    assert unsigned.checkpoint_id == first.pk and "MAC" in unsigned.message
    assert broken_link.checkpoint_id == second.pk and f"#{first.pk}" in broken_link.message
    # The second checkpoint also recorded that stream (within the grace period) and still names it.
    assert [(problem.stream, problem.checkpoint_id) for problem in problems if problem.stream] == [
        (stream, second.pk)
    ]


def test_checkpoints_chain_and_record_only_recent_heads_with_a_grace_period(receptionist):
    start = timezone.now()
    first = services.take_checkpoint(now=start + timedelta(minutes=5))
    assert [stream_of(receptionist), 3, chain(receptionist)[-1].hash] in first.heads

    # Written (stamped) before the first checkpoint was taken but committed after it.
    late = official("chuyenvien", (Role.SPECIALIST, JUSTICE))
    second = services.take_checkpoint(now=start + timedelta(minutes=20))
    assert second.prev_digest == first.digest
    recorded = {head[0] for head in second.heads}
    assert {stream_of(receptionist), stream_of(late)} <= recorded
    assert second.digest == checkpoint_digest(
        prev_digest=first.digest, taken_at=second.taken_at, heads=second.heads
    )

    # Nothing was written since the second checkpoint (less its grace period): no new checkpoint.
    assert services.take_checkpoint(now=start + timedelta(hours=2)) is None
    assert Checkpoint.objects.latest("id") == second


def test_the_periodic_job_takes_a_checkpoint(receptionist):
    before = Checkpoint.objects.count()

    tasks.checkpoint_event_log()

    assert Checkpoint.objects.count() == before + 1
    checkpoint = Checkpoint.objects.latest("id")
    assert [stream_of(receptionist), 3, chain(receptionist)[-1].hash] in checkpoint.heads
    assert verify_log()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_an_event_cannot_be_recorded_outside_a_transaction():
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="inside the transaction"):
        services.record_event(subject="core.calendar:2026", action="calendar.declared", actor=None)
    assert not Event.objects.filter(stream="core.calendar:2026").exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_change_leaves_neither_the_change_nor_its_event(reference_data):
    events_before = Event.objects.count()
    # The account and its "created" event are written before the unknown role fails the whole call.
    with pytest.raises(InvalidInput):
        official("motcua", (Role.RECEPTIONIST, CENTRE), ("chairman", CENTRE))
    assert not User.objects.filter(username="motcua").exists()
    assert Event.objects.count() == events_before

    with pytest.raises(ConnectionError), transaction.atomic():
        receptionist = official("motcua", (Role.RECEPTIONIST, CENTRE))
        assert len(chain(receptionist)) == 2
        raise ConnectionError("Mất kết nối tới Cơ sở dữ liệu quốc gia về dân cư")
    assert not User.objects.filter(username="motcua").exists()
    assert Event.objects.count() == events_before
    assert verify_log()[0] == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="SQLite runs one writer at a time (BEGIN IMMEDIATE): two checkpointers cannot overlap.",
)
def test_two_checkpointers_at_once_extend_the_chain_instead_of_forking_it(monkeypatch):
    with transaction.atomic():
        services.record_event(subject="dossiers.dossier:1", action="dossier.submitted", actor=None)
    first = services.take_checkpoint()
    with transaction.atomic():
        services.record_event(subject="dossiers.dossier:1", action="dossier.accepted", actor=None)
    read_heads = selectors.chain_heads

    def slow_heads(**kwargs):
        settle()  # the first checkpointer holds the lock until the second queues behind it
        return read_heads(**kwargs)

    monkeypatch.setattr(selectors, "chain_heads", slow_heads)
    outcomes = run_together(services.take_checkpoint, services.take_checkpoint)
    assert all(isinstance(outcome, Checkpoint) for outcome in outcomes), outcomes

    second, third = Checkpoint.objects.filter(pk__gt=first.pk).order_by("pk")
    assert (second.prev_digest, third.prev_digest) == (first.digest, second.digest)
    assert selectors.verify_event_log() == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="SQLite runs one writer at a time (BEGIN IMMEDIATE): two writers cannot overlap.",
)
def test_two_writers_to_one_object_at_once_get_a_conflict_not_a_fork():
    first_recorded, outcome = threading.Event(), {}

    def writer(name: str, wait: threading.Event | None):
        try:
            with transaction.atomic():
                if wait:
                    wait.wait(timeout=10)
                services.record_event(subject="dossiers.dossier:1", action=f"dossier.{name}", actor=None)
                if not wait:
                    first_recorded.set()
                    settle()  # still uncommitted until the second writer queues behind the head
            outcome[name] = "recorded"
        except Conflict as error:
            outcome[name] = error.code

    run_together(lambda: writer("accepted", None), lambda: writer("rejected", first_recorded))

    assert outcome == {"accepted": "recorded", "rejected": "concurrent_event"}
    assert list(Event.objects.filter(stream="dossiers.dossier:1").values_list("seq", "action")) == [
        (1, "dossier.accepted")
    ]
    assert selectors.verify_event_log() == []
