"""Background jobs of reporting."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tinhso.core.tasks import Coalesced
from tinhso.reporting import services


@db_periodic_task(crontab(minute="5", hour="*/6"))
def remind_due_reports() -> None:
    services.remind_due_reports()


@db_task()
def fold_totals() -> None:
    services.fold_totals()


@db_periodic_task(crontab(minute="*"))
def keep_totals_folded() -> None:
    services.fold_totals()


# A burst of approvals costs one job write, and the fold it starts takes every approval committed before it.
kick = Coalesced(
    fold_totals, failure="Could not queue the reporting totals' fold; the periodic job folds them"
)
