"""`tinhso rebuild-rollups`: recomputes the IOC's facts and counters from the whole event log."""

from django.core.management.base import BaseCommand

from tinhso.ioc import services


class Command(BaseCommand):
    help = "Recomputes every IOC fact row and counter from the event log (same numbers as the live rollups)."

    def handle(self, *args, **options) -> None:
        applied = services.rebuild_rollups()
        self.stdout.write(f"Đã tính lại số liệu tổng hợp từ {applied} sự kiện.")
