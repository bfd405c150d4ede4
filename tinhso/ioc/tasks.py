"""Background jobs of the IOC: apply new events a second after the commits that wrote some, and every minute."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tinhso.core.tasks import Coalesced, once_after_commit
from tinhso.ioc import services
from tinhso.ioc.models import DOSSIER_STREAM, REPORT_STREAM


@db_task()
def apply_new_events() -> None:
    services.consume_events()


@db_periodic_task(crontab(minute="*"))
def keep_rollups_current() -> None:
    services.roll_horizon()
    services.consume_events()


# One run serves every event a process commits in a second: a run applies every event written before it, open
# dashboards catch the rollups up themselves, and the periodic job catches anything left.
queue_rollups = Coalesced(apply_new_events, failure="Could not queue the IOC rollup job")


def event_recorded(sender, instance, created: bool, **kwargs) -> None:
    """Once per transaction that wrote a dossier or field-report event, queue the consumer after commit. A
    payment's events queue nothing: the gateway's notice stays lean, and pages catch the rollups up."""
    if not created or not instance.stream.startswith((DOSSIER_STREAM, REPORT_STREAM)):
        return
    once_after_commit(queue_rollups)
