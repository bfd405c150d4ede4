"""The data core's hand-written SQL gives what the ORM would: insert_new writes the rows that
save(force_insert=True) would, all or none, with the same signals; token_holder finds the user and token the
ORM query finds."""

from datetime import UTC, date, datetime, timedelta
from hashlib import sha256

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save, pre_save

from tinhso.core import services, sql
from tinhso.core.models import AdminUnit, ApiToken, Event
from tinhso.core.sql import insert_new, reserve_id, token_holder
from tinhso.testing.factories import citizen

pytestmark = pytest.mark.django_db


def test_a_new_row_is_stored_field_by_field_and_announced_like_a_save():
    heard = []

    def listener(signal, sender, instance, **kwargs) -> None:
        heard.append((signal, instance.pk, kwargs.get("created")))

    pre_save.connect(listener, sender=Event, weak=False)
    post_save.connect(listener, sender=Event, weak=False)
    at = datetime(2026, 3, 10, 2, 30, 15, 123456, tzinfo=UTC)
    event = Event(
        stream="core.test:1",
        seq=1,
        action="test.done",
        actor=None,
        payload={"nơi": "Cà Mau", "số": [1, 2.5, None]},
        occurred_at=at,
        prev_hash="",
        hash="ab" * 32,
    )
    try:
        insert_new(event)
    finally:
        pre_save.disconnect(listener, sender=Event)
        post_save.disconnect(listener, sender=Event)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.stream, stored.seq, stored.action, stored.actor_id) == (
        "core.test:1",
        1,
        "test.done",
        None,
    )
    assert (stored.payload, stored.occurred_at, stored.hash) == (
        {"nơi": "Cà Mau", "số": [1, 2.5, None]},
        at,
        "ab" * 32,
    )
    assert not event._state.adding and event._state.db == "default"
    assert heard == [(pre_save, None, None), (post_save, event.pk, True)]


def _event(stream: str, seq: int) -> Event:
    """Chained as the log's trigger asks: each event's prev_hash is its predecessor's hash."""
    at = datetime(2026, 3, 10, 2, 30, tzinfo=UTC)
    prev_hash = "" if seq == 1 else f"{seq - 1:064x}"
    return Event(
        stream=stream,
        seq=seq,
        action="test.done",
        payload={},
        occurred_at=at,
        prev_hash=prev_hash,
        hash=f"{seq:064x}",
    )


def _commune(pk: int, code: str, name: str) -> AdminUnit:
    kind, since = AdminUnit.Kind.COMMUNE, date(2025, 7, 1)
    return AdminUnit(pk=pk, code=code, name=name, kind=kind, path=f"/t{pk}", valid_from=since)


def test_several_new_rows_are_written_together_with_the_ids_chosen_beforehand():
    unit_id = reserve_id(AdminUnit)
    unit = _commune(unit_id, "99999", "Xã Thử Nghiệm")
    first, second = _event(f"core.adminunit:{unit_id}", 1), _event(f"core.adminunit:{unit_id}", 2)
    insert_new(unit, first, second)
    assert unit.pk == unit_id and AdminUnit.objects.get(pk=unit_id).name == "Xã Thử Nghiệm"
    assert list(Event.objects.filter(stream=f"core.adminunit:{unit_id}").values_list("pk", "seq")) == [
        (first.pk, 1),
        (second.pk, 2),
    ]
    assert reserve_id(AdminUnit) == unit_id + 1  # a reserved id is never handed out again


def test_when_one_of_several_new_rows_is_refused_none_is_written():
    unit_id = reserve_id(AdminUnit)
    unit = _commune(unit_id, "99998", "Phường Thử Nghiệm")
    clash = _event(f"core.adminunit:{unit_id}", 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_new(unit, clash, _event(f"core.adminunit:{unit_id}", 1))  # the same (stream, seq) twice
    assert not AdminUnit.objects.filter(pk=unit_id).exists()
    assert not Event.objects.filter(stream=f"core.adminunit:{unit_id}").exists()


def _by_orm(digest: str, now: datetime) -> tuple[dict, int, str] | None:
    found = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=digest, expires_at__gt=now, user__is_active=True)
        .first()
    )
    return None if found is None else (_fields(found.user), found.pk, found.auth_hash)


def _fields(user) -> dict:
    return {field.attname: getattr(user, field.attname) for field in user._meta.concrete_fields}


def test_the_token_statement_finds_what_the_orm_query_finds():
    person = citizen()
    token, issued = services.issue_api_token(user=person)
    digest, now = sha256(token.encode()).hexdigest(), issued.created_at
    user, token_id, auth_hash = token_holder(digest, now=now)
    assert (_fields(user), token_id, auth_hash) == _by_orm(digest, now)
    assert user._state.adding is False and user._state.db == "default"
    later = issued.expires_at + timedelta(seconds=1)
    assert token_holder(digest, now=later) is None and _by_orm(digest, later) is None
    assert token_holder("0" * 64, now=now) is None and _by_orm("0" * 64, now) is None
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert token_holder(digest, now=now) is None and _by_orm(digest, now) is None


def test_the_roles_statement_finds_what_active_roles_finds_with_their_units():
    from django.utils import timezone

    from tinhso.core import selectors
    from tinhso.core.models import Domain, Role, RoleAssignment
    from tinhso.testing.factories import CENTRE, JUSTICE, official

    person = official("vaitro", (Role.RECEPTIONIST, CENTRE), (Role.SPECIALIST, JUSTICE, Domain.FIELD_REPORTS))
    services.assign_role(actor=None, user=person, role=Role.UNIT_LEADER, unit_code=JUSTICE, domain=Domain.ALL)
    ended = services.assign_role(actor=None, user=person, role=Role.SPECIALIST, unit_code=CENTRE)
    today = timezone.localdate()
    RoleAssignment.objects.filter(pk=ended.pk).update(valid_to=today - timedelta(days=1))
    last_day = services.assign_role(actor=None, user=person, role=Role.REPORTING_OFFICER, unit_code=CENTRE)
    RoleAssignment.objects.filter(pk=last_day.pk).update(valid_to=today)
    official("khac", (Role.RECEPTIONIST, CENTRE))

    def described(roles) -> list[tuple]:
        return sorted(((_fields(role), _fields(role.unit)) for role in roles), key=lambda pair: pair[0]["id"])

    for domain in (None, Domain.DOSSIERS, Domain.FIELD_REPORTS, Domain.OPERATIONS):
        found = selectors.roles_in_force(person, domain=domain)
        assert described(found) == described(selectors.active_roles(person, domain=domain)), domain
        assert all(role._state.db == "default" and not role._state.adding for role in found)
    assert len(selectors.roles_in_force(person)) == 4
    assert {role.role for role in selectors.roles_in_force(person, domain=Domain.FIELD_REPORTS)} == {
        Role.SPECIALIST,
        Role.UNIT_LEADER,
    }


def test_copied_rows_read_back_as_bulk_create_writes_them():
    from tinhso.core.models import CalendarDay
    from tinhso.core.sql import copy_rows

    at = datetime(2026, 4, 30, 1, 0, tzinfo=UTC)
    columns = ["date", "kind", "reason", "declared_by_id", "declared_at"]
    copy_rows(
        CalendarDay._meta.db_table, columns, [(date(2026, 4, 30), "day_off", "Ngày Giải phóng", None, at)]
    )
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=date(2026, 5, 1), kind="day_off", reason="Quốc tế Lao động")]
    )
    CalendarDay.objects.filter(date=date(2026, 5, 1)).update(declared_at=at)
    copied, created = (
        CalendarDay.objects.filter(date=day).values("kind", "declared_by", "declared_at").get()
        for day in (date(2026, 4, 30), date(2026, 5, 1))
    )
    assert copied == created


@pytest.mark.parametrize("rows", [1, 60])  # one statement per row, and a staging table on PostgreSQL
def test_an_upsert_adds_where_the_key_exists_and_inserts_elsewhere(rows):
    from tinhso.core.models import CalendarDay
    from tinhso.core.sql import upsert_rows

    at = datetime(2026, 1, 1, tzinfo=UTC)
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(rows)]
    CalendarDay.objects.create(date=days[0], kind="day_off", reason="Tết Dương lịch")
    upsert_rows(
        CalendarDay._meta.db_table,
        ["date", "kind", "reason", "declared_at"],
        [(day, "working_day", "bù", at) for day in days],
        key=["date"],
        column_types=["date", "varchar(12)", "varchar(200)", "timestamptz"],
        update="reason = {table}.reason || ' / ' || excluded.reason",
    )
    reasons = dict(CalendarDay.objects.values_list("date", "reason"))
    assert reasons[days[0]] == "Tết Dương lịch / bù"
    assert len(reasons) == rows and all(reasons[day] == "bù" for day in days[1:])


def test_a_server_that_is_not_a_standby_has_no_replay_lag():
    assert sql.replay_lag_seconds("default") is None  # the primary on PostgreSQL; SQLite has no standby
