"""The demo's notifications, loaded by the generator's demo step (the last app's), after every hand-made case
and the history, so none of those is mailed: the demo citizen `congdan` gets a verified e-mail address and
opts in to suggestions by e-mail; a building permit the commune issued them eleven months ago makes the
proactive rules suggest its extension; the commune's desk officer `motcua.anxuyen` gets the daily digest of
their work by e-mail. `make demo` with EMAIL_HOST/EMAIL_PORT set sends real mail (the
acknowledgement of an online dossier within a minute); without them mail goes to the console."""

from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.utils import timezone

from tinhso.core.models import User
from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.models import Dossier
from tinhso.notifications import selectors, services
from tinhso.notifications.models import Contact, Purpose

DEMO_EMAIL = "nguyenvanan@example.com"
DIGEST_OFFICIAL = "motcua.anxuyen"
DIGEST_EMAIL = "motcua.anxuyen@example.com"
PERMIT = "H12-XD-01"
PERMIT_FORM = {
    "site_address": "Số 12 Đường Lý Thường Kiệt, Khóm 3, Phường An Xuyên, Tỉnh Cà Mau",
    "parcel_number": "125",
    "map_sheet": "18",
    "floor_area_m2": 180.5,
    "floors": 3,
}
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
ISSUED_AGO = timedelta(days=345)  # a 12-month permit: its extension is due in 20 days


def load() -> list[str]:
    citizen = User.objects.filter(username="congdan", is_demo=True).first()
    if citizen is None:
        return []
    if not Dossier.objects.filter(applicant=citizen, procedure__code=PERMIT).exists():
        _issued_permit(citizen)
    if not Contact.objects.filter(user=citizen).exists():
        Contact.objects.create(
            user=citizen, kind=Contact.Kind.EMAIL, address=DEMO_EMAIL, verified_at=timezone.now()
        )
        services.save_preferences(
            actor=citizen,
            order=selectors.DEFAULT_ORDER,
            choices={("email", Purpose.SUGGESTIONS): True},
            language=settings.LANGUAGE_CODE,
            daily_digest=False,
        )
    found = sum(services.run_rule(code=code) for code in selectors.active_rule_codes())
    where = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}" if settings.EMAIL_HOST else "console"
    lines = [
        f"thư điện tử của congdan: {DEMO_EMAIL} (gửi qua {where})",
        f"dịch vụ chủ động: {found} gợi ý mới (trang chủ của congdan: gia hạn giấy phép xây dựng)",
    ]
    if _digest_chosen():
        lines.append(f"bản tin công việc 07:00 mỗi ngày: {DIGEST_OFFICIAL} ({DIGEST_EMAIL})")
    return lines


def _digest_chosen() -> bool:
    """The commune's desk officer chose the daily digest by e-mail: their notices wait for it."""
    official = User.objects.filter(username=DIGEST_OFFICIAL, is_demo=True).first()
    if official is None:
        return False
    if not Contact.objects.filter(user=official).exists():
        Contact.objects.create(
            user=official, kind=Contact.Kind.EMAIL, address=DIGEST_EMAIL, verified_at=timezone.now()
        )
        services.save_preferences(
            actor=official, order=["email"], choices={}, language=settings.LANGUAGE_CODE, daily_digest=True
        )
    return True


def _issued_permit(citizen: User) -> None:
    """Submitted, handled and issued by Phường An Xuyên's officials, at the times it happened."""
    at = timezone.now() - ISSUED_AGO
    officials = {u.username: u for u in User.objects.filter(username__endswith=".anxuyen")}

    def paper(name: str) -> list[File]:
        return [ContentFile(PDF, name=name)]

    with mock.patch.object(timezone, "now", lambda: at):
        dossier, _created = dossier_services.submit_dossier(
            actor=citizen,
            procedure_code=PERMIT,
            form_data=PERMIT_FORM,
            receiving_unit_code=f"32002.{settings.TINHSO_PROVINCE}",
            documents={
                1: paper("don-de-nghi.pdf"),
                2: paper("quyen-su-dung-dat.pdf"),
                3: paper("ban-ve.pdf"),
            },
        )
        for call, username, hours in (
            (dossier_services.accept, "motcua.anxuyen", 1),
            (dossier_services.forward, "motcua.anxuyen", 2),
            (dossier_services.forward, "tuphap.anxuyen", 50),
        ):
            at += timedelta(hours=hours)
            dossier = call(actor=officials[username], code=dossier.code, version=dossier.version)
        at += timedelta(hours=20)
        dossier_services.finish(
            actor=officials["chutich.anxuyen"],
            code=dossier.code,
            version=dossier.version,
            result_file=ContentFile(PDF, name="giay-phep-xay-dung.pdf"),
        )
