"""The issuing job: a receipt right after the transaction that recorded a payment commits, and every minute
to catch what a queued run missed."""

import logging

from django.db import connection, transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tinhso.receipts import services

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def issue_pending_receipts() -> None:
    services.issue_pending()


@db_task()
def issue_now() -> None:
    services.issue_pending()


def _queue_issuing() -> None:
    try:
        issue_now()
    except Exception:  # the payment is committed; the periodic job issues its receipt
        logger.exception("Could not issue the receipt now; the periodic job will")


def event_recorded(sender, instance, created: bool, **kwargs) -> None:
    if not created or instance.action not in services.PAYMENTS:
        return
    if any(entry[1] is _queue_issuing for entry in connection.run_on_commit):
        return
    transaction.on_commit(_queue_issuing, robust=True)
