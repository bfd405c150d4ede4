"""The issuing job: receipts a second after the transaction that recorded a payment commits (one run for every
payment a process commits in that second), and every minute to catch what a queued run missed."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tinhso.core.tasks import Coalesced, once_after_commit
from tinhso.receipts import services

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def issue_pending_receipts() -> None:
    services.issue_pending()


@db_task()
def issue_now() -> None:
    services.issue_pending()


# One run serves every payment a process commits in a second; none waits for the minute's periodic run.
queue_issuing = Coalesced(issue_now, failure="Could not issue the receipt now; the periodic job will")


def event_recorded(sender, instance, created: bool, **kwargs) -> None:
    if not created or instance.action not in services.PAYMENTS:
        return
    once_after_commit(queue_issuing)
