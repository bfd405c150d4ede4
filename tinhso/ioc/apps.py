from django.apps import AppConfig


class IocConfig(AppConfig):
    name = "tinhso.ioc"
    label = "ioc"
    verbose_name = "Trung tâm điều hành thông minh"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from tinhso.core.models import Event
        from tinhso.ioc import tasks  # noqa: F401  (registers the periodic rollup job)
        from tinhso.ioc.tasks import event_recorded

        post_save.connect(event_recorded, sender=Event, dispatch_uid="ioc.event_recorded")
