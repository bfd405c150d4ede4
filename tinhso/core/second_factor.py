"""The second factor of officials: a TOTP authenticator app (django-otp) with single-use recovery codes.

Required for administrators and leaders (unit and province), available to every official; demo accounts are
exempt in demo mode, so `make demo` still signs in with demo1234 alone. Reads first, then the writes, each in
one transaction with its event."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tinhso.core import events, selectors
from tinhso.core.errors import InvalidInput
from tinhso.core.models import Role, User
from tinhso.core.services import record_event

REQUIRED_ROLES = (Role.ADMINISTRATOR, Role.PROVINCE_LEADER, Role.UNIT_LEADER)
RECOVERY_CODES = 10
APP_DEVICE, RECOVERY_DEVICE = "Ứng dụng xác thực", "Mã khôi phục"


def required_for(user: User) -> bool:
    """An administrator or a leader must use a second factor (not a demo account in demo mode)."""
    if user.is_citizen or not settings.TINHSO_REQUIRE_SECOND_FACTOR:
        return False
    if settings.TINHSO_DEMO and user.is_demo:
        return False
    return any(assignment.role in REQUIRED_ROLES for assignment in selectors.active_roles(user))


def enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def must_verify(user: User) -> bool:
    """Whether a session of this user must pass the second factor: it is required, or the user enrolled."""
    return not user.is_citizen and (enrolled(user) or required_for(user))


def session_verified(user: User) -> bool:
    """Whether this request's session passed the second factor (django-otp's middleware tells)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def verified_device(*, user: User, code: str) -> Device | None:
    """The device (app or recovery codes) that accepts this code, None if none does. Each device counts its
    own failures and makes the caller wait longer after each (django-otp's throttling); a recovery code is
    used up."""
    code = "".join(code.split()).lower()
    if not code or len(code) > 16:
        return None
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):
            return device
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):
            with transaction.atomic():
                left = device.token_set.count()
                record_event(
                    subject=user, action=events.RECOVERY_CODE_USED, actor=user, payload={"left": left}
                )
            return device
    return None


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def start_enrolment(*, actor: User) -> TOTPDevice:
    """The unconfirmed app device whose key the enrolment page shows (the same one until confirmed)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=actor, name=APP_DEVICE, confirmed=False)


@transaction.atomic
def confirm_enrolment(*, actor: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirms the app with a code it shows; earlier apps stop working; returns new recovery codes."""
    device = (
        TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=False).order_by("-pk").first()
    )
    if device is None or not device.verify_token("".join(code.split())):
        message = _("Mã xác thực không đúng. Nhập mã 6 chữ số ứng dụng đang hiển thị.")
        raise InvalidInput(message, errors={"code": [message]}, code="wrong_code")
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_event(subject=actor, action=events.SECOND_FACTOR_ENROLLED, actor=actor, payload={})
    return device, new_recovery_codes(actor=actor)


@transaction.atomic
def new_recovery_codes(*, actor: User) -> list[str]:
    """RECOVERY_CODES new single-use codes (shown once); the earlier ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=actor, name=RECOVERY_DEVICE, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    record_event(
        subject=actor, action=events.RECOVERY_CODES_ISSUED, actor=actor, payload={"count": len(codes)}
    )
    return codes
