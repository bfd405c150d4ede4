"""The issuing job: receipts a second after the transaction that recorded a payment commits (one run for every
payment a process commits in that second), and every minute to catch what a queued run missed."""

import logging
import time

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from tinhso.core.tasks import once_after_commit
from tinhso.receipts import services

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def issue_pending_receipts() -> None:
    services.issue_pending()


@db_task()
def issue_now() -> None:
    services.issue_pending()


# A process queues at most one issuing run per this many seconds, run that long after it is queued: it comes
# after every payment the process commits meanwhile, so one job write serves them all and none waits for the
# minute's periodic run.
RUN_DELAY = 1.0
_queued_until = [0.0]  # monotonic time before which this process's last queued run has not started


def _queue_issuing() -> None:
    try:
        if HUEY.immediate:  # tests and the demo without a consumer: issued at once, nothing to wait for
            issue_now()
            return
        now = time.monotonic()
        if now < _queued_until[0]:
            return
        issue_now.schedule(delay=RUN_DELAY)
        _queued_until[0] = now + RUN_DELAY
    except Exception:  # the payment is committed; the periodic job issues its receipt
        logger.exception("Could not issue the receipt now; the periodic job will")


def event_recorded(sender, instance, created: bool, **kwargs) -> None:
    if not created or instance.action not in services.PAYMENTS:
        return
    once_after_commit(_queue_issuing)
