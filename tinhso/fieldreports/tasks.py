"""Background jobs of field reports."""

import logging
from datetime import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tinhso.fieldreports import services

logger = logging.getLogger(__name__)


@db_task()
def process_photos(photo_ids: list[int]) -> None:
    services.process_photos(photo_ids=photo_ids)


def queue_processing(photo_ids: list[int]) -> None:
    """After the commit that stored the photos; robust: the periodic job queues what this could not."""
    try:
        process_photos(photo_ids)
    except Exception:
        logger.exception("Could not queue the processing of photos %s; the periodic job will", photo_ids)


def requeue_unprocessed_photos(*, now: datetime) -> int:
    """Queues again the photos whose job was lost or killed; how many."""
    waiting = services.unprocessed_photos(now=now)
    if waiting:
        queue_processing(waiting)
    return len(waiting)


@db_periodic_task(crontab(minute="*/5"))
def requeue_photos() -> None:
    requeue_unprocessed_photos(now=timezone.now())


@db_periodic_task(crontab(minute="*/15"))
def flag_overdue_reports() -> None:
    services.flag_overdue_reports()


@db_periodic_task(crontab(hour="2", minute="30"))
def purge_personal_data() -> None:
    services.purge_personal_data()
