"""The platform's jobs: the relay to the national portal and the webhook deliveries, kicked a second after the
commit of a change that concerns them (one kick per process per second) and every minute to catch anything a kick missed; the nightly reconciliation;
the exchange log's daily digest and retention."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from tinhso.core.tasks import Coalesced, once_after_commit
from tinhso.integration import portal, sealing, webhooks

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
@lock_task("integration-relay")
def relay_to_portal() -> None:
    portal.relay()


@db_periodic_task(crontab(minute="*"))
@lock_task("integration-webhooks")
def deliver_webhooks() -> None:
    webhooks.dispatch()
    webhooks.send_due()


@db_periodic_task(crontab(hour="2", minute="15"))
def reconcile_portal() -> None:
    portal.reconcile()


@db_periodic_task(crontab(hour="0", minute="10"))
@lock_task("integration-exchange-digest")
def close_exchange_day() -> None:
    """Removes exchange-log entries past retention and signs the day's heads."""
    sealing.close_day()


@db_task()
def kick() -> None:
    try:
        relay_to_portal.call_local()
        deliver_webhooks.call_local()
    except Exception:  # another run holds the lock; the periodic job sends the rest
        logger.info("integration jobs already running")


# A burst of status changes (gateways' notices resuming dossiers) costs one job write, not one each.
queue_kick = Coalesced(
    kick, failure="Could not queue the integration jobs; the periodic jobs send the change"
)


def event_recorded(sender, instance, created: bool, **kwargs) -> None:
    """A dossier's status change writes its outbox message now, in the transaction of the change; once per
    transaction the jobs are kicked after it commits."""
    if not created:
        return
    if portal.enqueue(instance) is None:
        return
    once_after_commit(queue_kick)
