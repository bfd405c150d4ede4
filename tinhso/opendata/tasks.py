"""Background jobs of open data: loading uploaded files into the datastore, the reaper of stuck loads, and
the refresh of the datasets the platform publishes about itself."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tinhso.opendata import platform, services


@db_task()
def load_version(job_id: int) -> None:
    services.run_load(job_id=job_id)


@db_periodic_task(crontab(minute="*/5"))
def reap_stuck_loads() -> None:
    services.reap_stuck_loads()


@db_periodic_task(crontab(hour="1", minute="15"))
def refresh_platform_datasets() -> None:
    platform.refresh_all()
