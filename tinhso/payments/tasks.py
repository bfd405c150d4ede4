"""Background jobs of payments."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tinhso.payments import services


@db_periodic_task(crontab(minute="*/5"))
def recover_stale_orders() -> None:
    services.recover_stale_orders()
