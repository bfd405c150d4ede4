"""`tinhso verify-log`: recomputes every event chain and checkpoint; exits 1 if anything was altered."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tinhso.core.selectors import verify_event_log


class Command(BaseCommand):
    help = "Verifies the hash chains of the event log and its checkpoints; exit status 1 names every break."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--chunk-size", type=int, default=5000, help="Events read per round trip to the database."
        )

    def handle(self, *args, chunk_size: int, **options) -> None:
        result = verify_event_log(chunk_size=chunk_size)
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
            return
        summary = _(
            "Nhật ký sự kiện đã bị thay đổi: %(problems)s chỗ hỏng "
            "(đã đọc %(events)s sự kiện trong %(streams)s chuỗi, %(checkpoints)s điểm kiểm)."
        )
        self.stdout.write(summary % (counts | {"problems": len(result)}))
        for problem in result:
            self.stdout.write(f"  {problem}")
        # A plain non-zero exit status, so cron and monitoring scripts can alert on it.
        sys.exit(1)
