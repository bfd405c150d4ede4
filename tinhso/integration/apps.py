from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "tinhso.integration"
    label = "integration"
    verbose_name = "Nền tảng tích hợp (LGSP)"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from tinhso.core.models import Event
        from tinhso.integration import tasks  # registers the jobs

        post_save.connect(tasks.event_recorded, sender=Event, dispatch_uid="integration.event_recorded")
