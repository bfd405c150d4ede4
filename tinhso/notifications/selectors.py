"""The signed-in user's inbox."""

import functools
from typing import Any, cast

from django.conf import settings
from django.db import connection
from django.db.models import Field, QuerySet
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


@functools.cache
def _unread_statement() -> str:
    """Written once per process: every page a signed-in user opens counts their unread notifications, and
    building the count through the ORM cost several times what the database took to answer it."""
    quote, meta = connection.ops.quote_name, Notification._meta
    recipient, read_at = (
        quote(cast("Field[Any, Any]", meta.get_field(name)).column) for name in ("recipient", "read_at")
    )
    return f"SELECT COUNT(*) FROM {quote(meta.db_table)} WHERE {recipient} = %s AND {read_at} IS NULL"


def unread_count(user: User) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_unread_statement(), [user.pk])
        return int(cursor.fetchone()[0])
