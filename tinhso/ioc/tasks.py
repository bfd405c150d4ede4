"""Background jobs of the IOC: apply new events after every commit that wrote some, and every minute."""

import logging
import time

from django.db import connection, transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tinhso.ioc import services
from tinhso.ioc.models import DOSSIER_STREAM, REPORT_STREAM

logger = logging.getLogger(__name__)


@db_task()
def apply_new_events() -> None:
    services.consume_events()


@db_periodic_task(crontab(minute="*"))
def keep_rollups_current() -> None:
    services.roll_horizon()
    services.consume_events()


# One queued run per process per interval is enough: a run applies every event written before it, open
# dashboards catch the rollups up themselves, and the periodic job catches anything left.
KICK_INTERVAL = 1.0
_last_kick = [float("-inf")]


def _kick() -> None:
    now = time.monotonic()
    if now - _last_kick[0] < KICK_INTERVAL:
        return
    _last_kick[0] = now
    try:
        apply_new_events()
    except Exception:  # the change that wrote the event is committed already; the periodic job catches up
        logger.exception("Could not queue the IOC rollup job")


def event_recorded(sender, instance, created: bool, **kwargs) -> None:
    """Once per transaction that wrote a dossier or field-report event, queue the consumer after commit. A
    payment's events queue nothing: the gateway's notice stays lean, and pages catch the rollups up."""
    if not created or not instance.stream.startswith((DOSSIER_STREAM, REPORT_STREAM)):
        return
    if any(entry[1] is _kick for entry in connection.run_on_commit):
        return
    transaction.on_commit(_kick, robust=True)
