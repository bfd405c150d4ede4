"""The delivery job: every minute, turn new events into inbox entries."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tinhso.notifications import services


@db_periodic_task(crontab(minute="*"))
def deliver_notifications() -> None:
    services.deliver_notifications()
