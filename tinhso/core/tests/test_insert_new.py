"""insert_new writes the row that save(force_insert=True) would, and sends the same signals."""

from datetime import UTC, datetime

import pytest
from django.db.models.signals import post_save, pre_save

from tinhso.core.models import Event
from tinhso.core.services import insert_new

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
