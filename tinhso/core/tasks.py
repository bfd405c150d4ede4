"""Background jobs of the data core."""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from huey import crontab
from huey.api import TaskWrapper
from huey.contrib.djhuey import HUEY, db_periodic_task

from tinhso.core import services

logger = logging.getLogger(__name__)


def once_after_commit(job: Callable[[], None]) -> None:
    """Runs `job` once after the current transaction commits, however many of its writes ask for it; robust:
    a job that fails is logged and the transaction stays committed (the periodic jobs catch up)."""
    # Entries are (savepoint ids, callback, robust).
    if any(entry[1] is job for entry in connection.run_on_commit):
        return
    transaction.on_commit(job, robust=True)


class Coalesced:
    """Queues `task` at most once per `delay` seconds in this process, to start `delay` after it is queued: one
    job write then serves every change the process commits meanwhile (a burst of gateways' notices), and none
    waits for the minute's periodic run. Without a consumer (tests, the demo) the task runs at once. A queue
    that refuses is logged with `failure`: the change is committed and the periodic job catches up."""

    def __init__(self, task: TaskWrapper, *, delay: float = 1.0, failure: str) -> None:
        self.task, self.delay, self.failure = task, delay, failure
        self.queued_until = 0.0  # monotonic time before which the last queued run has not started

    def __call__(self) -> None:
        try:
            if HUEY.immediate:
                self.task()
                return
            now = time.monotonic()
            if now < self.queued_until:
                return
            self.task.schedule(delay=self.delay)
            self.queued_until = now + self.delay
        except Exception:
            logger.exception(self.failure)


@db_periodic_task(crontab(minute=f"*/{settings.TINHSO_CHECKPOINT_MINUTES}"))
def checkpoint_event_log() -> None:
    services.take_checkpoint()


@db_periodic_task(crontab(hour="2", minute="30"))
def sweep_orphan_files() -> None:
    services.sweep_orphan_files()


@db_periodic_task(crontab(day_of_week="0", hour="3", minute="0"))
def verify_whole_event_log() -> None:
    """Sealed months are skipped by the daily `verify-log`; once a week every event is read again."""
    result = services.verify_event_log(full=True)
    for problem in result:
        logger.error("event log: %s", problem)


@db_periodic_task(crontab(hour="1", minute="10"))
def make_event_partitions() -> None:
    """Next months' partitions exist before their first event (a missing one would fill the default)."""
    services.make_event_partitions()
