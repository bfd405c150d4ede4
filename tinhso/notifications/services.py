"""Delivery of notifications from the event log, and marking them read."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import NotFound
from tinhso.core.models import Event, User
from tinhso.notifications.models import DeliveryCursor, Notification
from tinhso.notifications.rules import RULES

# Events of transactions that committed after the previous run started are still picked up; the unique
# (event, recipient) constraint makes looking at an event twice harmless.
GRACE = timedelta(minutes=10)


@transaction.atomic
def deliver_notifications(*, now: datetime | None = None) -> int:
    """Creates the inbox entries for events written since the previous run; returns how many were new."""
    now = now or timezone.now()
    cursor = DeliveryCursor.objects.select_for_update().first() or DeliveryCursor.objects.create(
        last_run_at=None
    )
    events = Event.objects.filter(action__in=RULES).order_by("id")
    if cursor.last_run_at is not None:
        events = events.filter(occurred_at__gte=cursor.last_run_at - GRACE)
    notifications = []
    for event in events.iterator(chunk_size=500):
        message = RULES[event.action](event)
        if message is None:
            continue
        notifications += [
            Notification(
                recipient_id=recipient,
                event=event,
                title=message.title,
                link=message.link,
                created_at=event.occurred_at,
            )
            for recipient in dict.fromkeys(message.recipients)
        ]
    before = Notification.objects.count()
    Notification.objects.bulk_create(notifications, ignore_conflicts=True, batch_size=500)
    cursor.last_run_at = now
    cursor.save(update_fields=["last_run_at"])
    return Notification.objects.count() - before


def mark_read(*, actor: User, notification_id: int) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, recipient=actor).first()
    if notification is None:
        raise NotFound(_("Không tìm thấy thông báo."), code="notification_not_found")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, actor: User) -> int:
    """Marks every unread notification of the person read; returns how many were unread."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
