"""`tinhso verify-log`: recomputes the event chains and checkpoints; exits 1 if anything was altered. Closed
months found intact are sealed and skipped by later runs; `--full` reads them again."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tinhso.core.routers import replica_reads
from tinhso.core.services import verify_event_log


class Command(BaseCommand):
    help = "Verifies the hash chains of the event log and its checkpoints; exit status 1 names every break."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--chunk-size", type=int, default=5000, help="Events read per round trip to the database."
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read every month again, the sealed ones too (the weekly job does this).",
        )

    def handle(self, *args, chunk_size: int, full: bool, **options) -> None:
        with replica_reads():  # on the replica when there is one; the seals are written on the primary
            result = verify_event_log(full=full, chunk_size=chunk_size)
        counts = {"events": result.events, "streams": result.streams, "checkpoints": result.checkpoints}
        if result.anchor is None and result.checkpoints:
            note = _(
                "Chú ý: không có bản lưu điểm kiểm mới nhất bên ngoài cơ sở dữ liệu (%(path)s); "
                "việc xóa các điểm kiểm mới nhất sẽ không được phát hiện cho đến điểm kiểm sau."
            )
            self.stderr.write(note % {"path": settings.TINHSO_LOG_ANCHOR})
        if not result:
            summary = _(
                "Nhật ký sự kiện nguyên vẹn: %(events)s sự kiện trong %(streams)s chuỗi, %(checkpoints)s điểm kiểm."
            )
            self.stdout.write(summary % counts)
            self._skipped(result.skipped_months)
            return
        summary = _(
            "Nhật ký sự kiện đã bị thay đổi: %(problems)s chỗ hỏng "
            "(đã đọc %(events)s sự kiện trong %(streams)s chuỗi, %(checkpoints)s điểm kiểm)."
        )
        self.stdout.write(summary % (counts | {"problems": len(result)}))
        self._skipped(result.skipped_months)
        for problem in result:
            self.stdout.write(f"  {problem}")
        # A plain non-zero exit status, so cron and monitoring scripts can alert on it.
        sys.exit(1)

    def _skipped(self, months: int) -> None:
        if months:
            note = _("Đã bỏ qua %(months)s tháng đã niêm phong; đọc lại toàn bộ bằng --full.")
            self.stderr.write(note % {"months": months})
