"""The signing job: sign what the rules ask for right after the transaction that wrote the event commits, and
every minute to catch what a queued run missed or could not sign (the timestamp authority down)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tinhso.core.tasks import once_after_commit
from tinhso.signing import services
from tinhso.signing.rules import RULES

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def sign_pending_documents() -> None:
    services.sign_pending()


@db_task()
def sign_now() -> None:
    services.sign_pending()


def _queue_signing() -> None:
    try:
        sign_now()
    except Exception:  # the change that wrote the event is committed; the periodic job signs it
        logger.exception("Could not sign after the event now; the periodic job will")


def event_recorded(sender, instance, created: bool, **kwargs) -> None:
    """Once per transaction that wrote an event a rule signs after, queue a signing run after commit."""
    if not created or instance.action not in RULES:
        return
    once_after_commit(_queue_signing)
