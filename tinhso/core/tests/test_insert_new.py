"""insert_new writes the rows that save(force_insert=True) would, all or none, and sends the same signals."""

from datetime import UTC, date, datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save, pre_save

from tinhso.core.models import AdminUnit, Event
from tinhso.core.services import insert_new, reserve_id

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
    at = datetime(2026, 3, 10, 2, 30, tzinfo=UTC)
    return Event(
        stream=stream, seq=seq, action="test.done", payload={}, occurred_at=at, prev_hash="", hash="cd" * 32
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
