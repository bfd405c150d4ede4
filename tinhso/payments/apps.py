from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "tinhso.payments"
    label = "payments"
    verbose_name = "Thanh toán trực tuyến"

    def ready(self) -> None:
        from tinhso.payments import tasks  # noqa: F401  (registers the recovery and reconciliation jobs)
