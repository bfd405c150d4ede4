from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "tinhso.signing"
    label = "signing"
    verbose_name = "Ký số"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from tinhso.core.models import Event
        from tinhso.signing import tasks  # registers the signing jobs

        post_save.connect(tasks.event_recorded, sender=Event, dispatch_uid="signing.event_recorded")
