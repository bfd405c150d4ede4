"""The delivery jobs. The inbox: new events become inbox entries right after the transaction that wrote them
commits, and every minute to catch anything a queued run missed. The outbox: messages written with their
event are sent right after it commits, and every minute (retries, held-back rates, a worker that died)."""

import logging
from collections.abc import Callable

from django.db import connection, transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tinhso.notifications import selectors, services
from tinhso.notifications.rules import CHANNEL_ONLY, RULES

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def deliver_notifications() -> None:
    services.deliver_notifications()


@db_task()
def deliver_now() -> None:
    services.deliver_notifications()


@db_periodic_task(crontab(minute="*"))
def deliver_outbox() -> None:
    send_outbox()


@db_task()
def send_outbox() -> None:
    """One chunk per channel; queues itself again while due messages are left, so other jobs run between."""
    if services.deliver_outbox().more:
        send_outbox()


def _queue(job: Callable[[], object]) -> None:
    try:
        job()
    except Exception:  # the change that wrote the event is committed; the periodic job delivers it
        logger.exception("Could not queue %s", job)


def _queue_delivery() -> None:
    _queue(deliver_now)


def _queue_sending() -> None:
    _queue(send_outbox)


def _once_on_commit(callback: Callable[[], None]) -> None:
    # Entries are (savepoint ids, callback, robust).
    if not any(entry[1] is callback for entry in connection.run_on_commit):
        transaction.on_commit(callback, robust=True)


def event_recorded(sender, instance, created: bool, **kwargs) -> None:
    """Writes the event's outbox messages in its own transaction, and once per transaction queues the
    deliveries after commit (the person is told within moments, not at the next minute)."""
    if not created:
        return
    if (instance.action in RULES or instance.action in CHANNEL_ONLY) and services.write_outbox(
        event=instance
    ):
        _once_on_commit(_queue_sending)
    if instance.action in RULES:
        _once_on_commit(_queue_delivery)


@db_periodic_task(crontab(hour="6", minute="0"))
def run_proactive_rules() -> None:
    """Every morning, each active rule over the data; the messages leave at each channel's rate."""
    for code in selectors.active_rule_codes():
        services.run_rule(code=code)
