"""Background jobs of reporting."""

import logging
import time

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tinhso.reporting import services

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="5", hour="*/6"))
def remind_due_reports() -> None:
    services.remind_due_reports()


@db_task()
def fold_totals() -> None:
    services.fold_totals()


@db_periodic_task(crontab(minute="*"))
def keep_totals_folded() -> None:
    services.fold_totals()


# One queued fold per process per interval is enough: a fold takes every approval committed before it, and the
# periodic job takes anything left (pages say how old the totals they show are).
KICK_INTERVAL = 1.0
_last_kick = [float("-inf")]


def kick() -> None:
    """Queues a fold after a commit that marked a report's share of the totals (services._ask_fold)."""
    now = time.monotonic()
    if now - _last_kick[0] < KICK_INTERVAL:
        return
    _last_kick[0] = now
    try:
        fold_totals()
    except Exception:  # the approval is committed already; the periodic job folds it
        logger.exception("Could not queue the reporting totals' fold")
