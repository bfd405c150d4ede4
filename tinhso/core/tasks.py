"""Background jobs of the data core."""

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tinhso.core import services


@db_periodic_task(crontab(minute=f"*/{settings.TINHSO_CHECKPOINT_MINUTES}"))
def checkpoint_event_log() -> None:
    services.take_checkpoint()


@db_periodic_task(crontab(hour="2", minute="30"))
def sweep_orphan_files() -> None:
    services.sweep_orphan_files()
