"""The delivery job: turn new events into inbox entries right after the transaction that wrote them commits,
and every minute to catch anything a queued run missed."""

import logging

from django.db import connection, transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tinhso.notifications import services
from tinhso.notifications.rules import RULES

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def deliver_notifications() -> None:
    services.deliver_notifications()


@db_task()
def deliver_now() -> None:
    services.deliver_notifications()


def _queue_delivery() -> None:
    try:
        deliver_now()
    except Exception:  # the change that wrote the event is committed; the periodic job delivers it
        logger.exception("Could not queue the notification delivery")


def event_recorded(sender, instance, created: bool, **kwargs) -> None:
    """Once per transaction that wrote an event someone is told of, queue a delivery after commit (the
    person is told within moments, not at the next minute)."""
    if not created or instance.action not in RULES:
        return
    # Entries are (savepoint ids, callback, robust).
    if any(entry[1] is _queue_delivery for entry in connection.run_on_commit):
        return
    transaction.on_commit(_queue_delivery, robust=True)
