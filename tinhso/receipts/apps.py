from django.apps import AppConfig


class ReceiptsConfig(AppConfig):
    name = "tinhso.receipts"
    label = "receipts"
    verbose_name = "Biên lai điện tử"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from tinhso.core.models import Event
        from tinhso.receipts import tasks  # registers the issuing jobs

        post_save.connect(tasks.event_recorded, sender=Event, dispatch_uid="receipts.event_recorded")
