"""Background jobs of the data core."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tinhso.core import services

logger = logging.getLogger(__name__)


def once_after_commit(job: Callable[[], None]) -> None:
    """Runs `job` once after the current transaction commits, however many of its writes ask for it; robust:
    a job that fails is logged and the transaction stays committed (the periodic jobs catch up)."""
    # Entries are (savepoint ids, callback, robust).
    if any(entry[1] is job for entry in connection.run_on_commit):
        return
    transaction.on_commit(job, robust=True)


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
