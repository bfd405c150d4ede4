"""Background jobs of field reports."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tinhso.fieldreports import services


@db_periodic_task(crontab(minute="*/15"))
def flag_overdue_reports() -> None:
    services.flag_overdue_reports()


@db_periodic_task(crontab(hour="2", minute="30"))
def purge_personal_data() -> None:
    services.purge_personal_data()
