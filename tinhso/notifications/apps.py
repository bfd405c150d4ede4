from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tinhso.notifications"
    label = "notifications"
    verbose_name = "Thông báo"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from tinhso.core.models import Event
        from tinhso.notifications import tasks  # registers the delivery jobs

        post_save.connect(tasks.event_recorded, sender=Event, dispatch_uid="notifications.event_recorded")
