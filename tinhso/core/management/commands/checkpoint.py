"""`tinhso checkpoint`: takes an event-log checkpoint now (the periodic job takes one every few minutes)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tinhso.core import services


class Command(BaseCommand):
    help = "Takes an event-log checkpoint now: MAC'd with the log key and kept outside the database too."

    def handle(self, *args, **options) -> None:
        checkpoint = services.take_checkpoint()
        if checkpoint is None:
            self.stdout.write(_("Không có sự kiện mới từ điểm kiểm trước."))
        else:
            self.stdout.write(_("Điểm kiểm #%(id)s đã ghi.") % {"id": checkpoint.pk})
