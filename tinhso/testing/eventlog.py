"""Events written straight into the log with any date, their chains hashed as the services hash them: a history
spread over months without waiting for it (tests of sealed months and partitions)."""

from datetime import datetime, timedelta

from django.utils import timezone

from tinhso.core.eventlog import GENESIS_HASH, event_hash
from tinhso.core.logmonths import month_of, month_start
from tinhso.core.models import Event


def months_ago(count: int, *, day: int = 10) -> datetime:
    month = month_of(timezone.now())
    for _ in range(count):
        month = (month_start(month) - timedelta(days=1)).date().replace(day=1)
    return month_start(month) + timedelta(days=day - 1, hours=3)


def append(stream: str, at: datetime) -> Event:
    """The next event of `stream`, dated `at`, with its hash chained as the services write it."""
    previous = Event.objects.filter(stream=stream).order_by("-seq").first()
    seq, prev_hash = (previous.seq + 1, previous.hash) if previous else (1, GENESIS_HASH)
    payload = {"step": seq}
    digest = event_hash(
        stream=stream,
        seq=seq,
        action="test.step",
        actor_id=None,
        payload=payload,
        occurred_at=at,
        prev_hash=prev_hash,
    )
    return Event.objects.create(
        stream=stream,
        seq=seq,
        action="test.step",
        payload=payload,
        occurred_at=at,
        prev_hash=prev_hash,
        hash=digest,
    )
