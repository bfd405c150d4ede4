"""The delivery jobs: new events become inbox entries and outbox messages right after the transaction that
wrote them commits, and every minute to catch anything a queued run missed; the outbox is sent then too,
and every minute (retries, held-back rates, a worker that died)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tinhso.core.tasks import once_after_commit
from tinhso.notifications import selectors, services
from tinhso.notifications.rules import RULES

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def deliver_notifications() -> None:
    services.deliver_notifications()


@db_task()
def deliver_now() -> None:
    services.deliver_notifications()
    send_outbox()


@db_periodic_task(crontab(minute="*"))
def deliver_outbox() -> None:
    send_outbox()


@db_task()
def send_outbox() -> None:
    """One chunk per channel; queues itself again while due messages are left, so other jobs run between."""
    if services.deliver_outbox().more:
        send_outbox()


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
    once_after_commit(_queue_delivery)


@db_periodic_task(crontab(hour="6", minute="0"))
def run_proactive_rules() -> None:
    """Every morning, each active rule over the data; the messages leave at each channel's rate."""
    for code in selectors.active_rule_codes():
        services.run_rule(code=code)


@db_periodic_task(crontab(hour="7", minute="0"))
def send_daily_digests() -> None:
    """Every morning before office hours, officials' digests; they leave with the outbox's next run."""
    services.send_daily_digests()
    send_outbox()
