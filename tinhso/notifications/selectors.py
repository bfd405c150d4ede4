"""The signed-in user's inbox."""

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation

from tinhso.core.models import User
from tinhso.notifications.models import Notification


def inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def in_reading_language(notifications: list[Notification]) -> list[Notification]:
    """Titles are stored as written at delivery (Vietnamese); a reader in another language gets each one
    written again from its event in theirs (rules read a row or two each: only then)."""
    from tinhso.notifications.rules import RULES  # the rules import the dossier and report selectors

    if translation.get_language() == settings.LANGUAGE_CODE:
        return notifications
    for notification in notifications:
        rule = RULES.get(notification.event.action)
        message = rule(notification.event) if rule else None
        if message is not None:
            notification.title = message.title
    return notifications


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
