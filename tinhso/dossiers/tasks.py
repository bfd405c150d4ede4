"""Background jobs of dossiers."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tinhso.dossiers import services


@db_periodic_task(crontab(minute="*/15"))
def flag_overdue_dossiers() -> None:
    services.flag_overdue_dossiers()
