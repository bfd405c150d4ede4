from django.apps import AppConfig


class FieldReportsConfig(AppConfig):
    name = "tinhso.fieldreports"
    label = "fieldreports"
    verbose_name = "Phản ánh hiện trường"

    def ready(self) -> None:
        from tinhso.fieldreports import tasks  # noqa: F401  (registers the periodic overdue check)
