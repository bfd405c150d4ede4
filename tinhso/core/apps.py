from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tinhso.core"
    label = "core"
    verbose_name = "Dữ liệu lõi"

    def ready(self) -> None:
        from tinhso.core import checks, tasks  # noqa: F401  (registers system checks and periodic jobs)
