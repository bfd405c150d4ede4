"""Background jobs of reporting."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tinhso.reporting import services


@db_periodic_task(crontab(minute="5", hour="*/6"))
def remind_due_reports() -> None:
    services.remind_due_reports()
