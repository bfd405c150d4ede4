from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tinhso.notifications"
    label = "notifications"
    verbose_name = "Thông báo"

    def ready(self) -> None:
        from tinhso.notifications import tasks  # noqa: F401  (registers the delivery job)
