"""The signed-in user's inbox."""

from django.db.models import QuerySet

from tinhso.core.models import User
from tinhso.notifications.models import Notification


def inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
