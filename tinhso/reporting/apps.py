from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "tinhso.reporting"
    label = "reporting"
    verbose_name = "Báo cáo định kỳ"

    def ready(self) -> None:
        from tinhso.reporting import tasks  # noqa: F401  (registers the periodic reminders)
