"""Background jobs of the data core."""

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tinhso.core import services


@db_periodic_task(crontab(minute=f"*/{settings.TINHSO_CHECKPOINT_MINUTES}"))
def checkpoint_event_log() -> None:
    services.take_checkpoint()
