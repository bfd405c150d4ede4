"""The delivery jobs: new events become inbox entries and outbox messages a second after the transaction that
wrote them commits (one run for every event a process commits in that second), and every minute to catch
anything a queued run missed; the outbox is sent then too, and every minute (retries, held-back rates, a
worker that died)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tinhso.core.tasks import Coalesced, once_after_commit
from tinhso.notifications import selectors, services
from tinhso.notifications.rules import RULES


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


# One run serves every event a process commits in a second: a job write per event made every submission wait
# its turn on the job queue, and the person is told within moments all the same.
queue_delivery = Coalesced(
    deliver_now, failure="Could not queue the notification delivery; the periodic job delivers it"
)


def event_recorded(sender, instance, created: bool, **kwargs) -> None:
    """Once per transaction that wrote an event someone is told of, queue a delivery after commit."""
    if not created or instance.action not in RULES:
        return
    once_after_commit(queue_delivery)


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
