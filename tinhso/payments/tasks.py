"""Background jobs of payments."""

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tinhso.payments import services


@db_periodic_task(crontab(minute="*/5"))
def recover_stale_orders() -> None:
    services.recover_stale_orders()


@db_periodic_task(crontab(hour="6", minute="15"))
def reconcile_yesterday() -> None:
    services.reconcile_inbox(day=timezone.localdate() - timedelta(days=1))
