"""Notifications derived from the event log: one per (event, recipient), kept in the recipient's inbox."""

from django.conf import settings
from django.db import models

from tinhso.core.models import Event


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient"], name="one_notification_per_event")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class DeliveryCursor(models.Model):
    """When the delivery job last started; the next run looks back from there by a grace period."""

    last_run_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"notifications delivered up to {self.last_run_at}"
