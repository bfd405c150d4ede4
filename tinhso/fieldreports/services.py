"""Every write of field reports. Each runs in one transaction and appends its event; events never carry the
reporter's personal data, which lives only on the report row and can be erased from there."""

import secrets
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from hashlib import sha256
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import CharField, F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from tinhso.core import files as core_files
from tinhso.core import idempotency, working_time
from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Conflict, Forbidden, InvalidInput, NotFound, invalid, required_text, text
from tinhso.core.lifecycle import Transition
from tinhso.core.models import AdminUnit, Domain, Role, User
from tinhso.core.services import first_event, next_event, record_event
from tinhso.core.sql import insert_new
from tinhso.fieldreports import events, selectors
from tinhso.fieldreports import photos as photo_files
from tinhso.fieldreports.lifecycle import LIFECYCLE, WAITING_ON_UNIT
from tinhso.fieldreports.models import (
    ApiKey,
    Category,
    CategoryAttribute,
    Follow,
    Report,
    ReportPhoto,
    RoutingRule,
)
from tinhso.fieldreports.photos import CheckedPhoto, check_photos

MAX_DESCRIPTION = 4000


def _max_length(name: str) -> int:
    """How many characters a text column of Report holds."""
    column = Report._meta.get_field(name)
    assert isinstance(column, CharField) and column.max_length is not None
    return column.max_length


MAX_ADDRESS = _max_length("address")
MAX_EMAIL = _max_length("reporter_email")
# The kind of call a filing's Idempotency-Key belongs to.
IDEMPOTENCY_SCOPE = "fieldreports.report"
# Contact details of closed reports are kept this long for follow-up questions, then erased.
PERSONAL_DATA_RETENTION = timedelta(days=365)
if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

T = TypeVar("T")
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


# Categories, routing rules and partner keys ---------------------------------------------------------------


@transaction.atomic
def create_category(
    *,
    actor: User | None,
    code: str,
    name: str,
    name_en: str = "",
    parent_code: str | None = None,
    urgency: str = Category.Urgency.SCHEDULED,
    deadline_days: int | None = None,
    deadline_hours: int | None = None,
    description: str = "",
    keywords: str = "",
    order: int = 0,
) -> Category:
    """Adds or updates a category; a second-level one gets a deadline within its urgency's legal limit."""
    if urgency not in Category.Urgency.values:
        raise invalid("urgency", text(_("Mức độ khẩn “%(urgency)s” không hợp lệ."), {"urgency": urgency}))
    parent = Category.objects.filter(code=parent_code, parent__isnull=True).first() if parent_code else None
    if parent_code and parent is None:
        raise invalid(
            "parent_code",
            text(_("Không có nhóm lĩnh vực mã “%(parent_code)s”."), {"parent_code": parent_code}),
        )
    if parent is not None:
        _check_deadline(urgency=urgency, days=deadline_days, hours=deadline_hours)
    elif deadline_days or deadline_hours:
        raise invalid(
            "deadline_days", _("Nhóm lĩnh vực không có thời hạn riêng; đặt thời hạn cho từng lĩnh vực.")
        )
    category, created = Category.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "name_en": name_en,
            "parent": parent,
            "urgency": urgency,
            "deadline_days": deadline_days or None,
            "deadline_hours": deadline_hours or None,
            "description": description,
            "keywords": keywords,
            "order": order,
        },
    )
    record_event(
        subject=category,
        action=events.CATEGORY_CREATED if created else events.CATEGORY_CHANGED,
        actor=actor,
        payload={
            "code": code,
            "parent": parent_code,
            "urgency": urgency,
            "deadline_days": deadline_days,
            "deadline_hours": deadline_hours,
        },
    )
    return category


def _check_deadline(*, urgency: str, days: int | None, hours: int | None) -> None:
    """Urgent reports within 1 working day, immediate-handling kinds within 3 (Decision 960/QĐ-UBND)."""
    if bool(days) == bool(hours) or (days or 0) < 0 or (hours or 0) < 0:
        raise invalid(
            "deadline_days", _("Cần đúng một thời hạn xử lý: số ngày làm việc hoặc số giờ làm việc.")
        )
    limits: dict[str, int] = {Category.Urgency.URGENT: 1, Category.Urgency.IMMEDIATE: 3}
    limit_days = limits.get(urgency)
    if limit_days is None:
        return
    day_hours = working_time.working_day_length().total_seconds() / 3600
    if (days or 0) > limit_days or (hours or 0) > limit_days * day_hours:
        label = Category.Urgency(urgency).label
        raise invalid(
            "deadline_days",
            text(
                _("Phản ánh loại “%(label)s” phải xử lý trong %(limit_days)s ngày làm việc."),
                {"label": label, "limit_days": limit_days},
            ),
        )


@transaction.atomic
def add_category_attribute(
    *,
    actor: User | None,
    category: Category,
    code: str,
    datatype: str,
    description: str,
    required: bool = False,
    values: Iterable[tuple[str, str]] = (),
    datatype_description: str = "",
    order: int = 0,
) -> CategoryAttribute:
    if datatype not in CategoryAttribute.Datatype.values:
        raise invalid(
            "datatype", text(_("Kiểu dữ liệu “%(datatype)s” không hợp lệ."), {"datatype": datatype})
        )
    choices = [list(pair) for pair in values]
    if datatype in ("singlevaluelist", "multivaluelist") and not choices:
        raise invalid("values", _("Danh sách lựa chọn không được để trống."))
    attribute, _created = CategoryAttribute.objects.update_or_create(
        category=category,
        code=code,
        defaults={
            "datatype": datatype,
            "description": description,
            "required": required,
            "values": choices,
            "datatype_description": datatype_description,
            "order": order,
        },
    )
    record_event(
        subject=category,
        action=events.CATEGORY_ATTRIBUTE_SET,
        actor=actor,
        payload={"code": code, "datatype": datatype, "required": required},
    )
    return attribute


@transaction.atomic
def add_routing_rule(
    *,
    actor: User | None,
    target: str,
    category_code: str | None = None,
    commune_code: str | None = None,
    unit_code: str | None = None,
    order: int = 0,
) -> RoutingRule:
    category = Category.objects.filter(code=category_code).first() if category_code else None
    if category_code and category is None:
        raise invalid(
            "category",
            text(_("Không có lĩnh vực phản ánh mã “%(category_code)s”."), {"category_code": category_code}),
            code="unknown_category",
        )
    commune = core_selectors.unit_by_code(commune_code) if commune_code else None
    if target == RoutingRule.Target.FIXED_UNIT:
        if not unit_code:
            raise invalid("unit_code", _("Cần chọn cơ quan xử lý."))
        unit = core_selectors.unit_by_code(unit_code)
    elif target == RoutingRule.Target.COMMUNE_COMMITTEE:
        unit = None
    else:
        raise invalid("target", text(_("Cách phân công “%(target)s” không hợp lệ."), {"target": target}))
    rule = RoutingRule.objects.create(
        category=category, commune=commune, target=target, unit=unit, order=order
    )
    record_event(
        subject=rule,
        action=events.ROUTING_RULE_ADDED,
        actor=actor,
        payload={"category": category_code, "commune": commune_code, "target": target, "unit": unit_code},
    )
    return rule


@transaction.atomic
def create_api_key(*, actor: User | None, name: str) -> tuple[str, ApiKey]:
    """A new partner key; the secret is returned once and only its hash is kept."""
    if not name.strip():
        raise invalid("name", _("Cần đặt tên ứng dụng đối tác."))
    secret = f"ts311_{secrets.token_urlsafe(24)}"
    api_key = ApiKey.objects.create(
        name=name.strip(), prefix=secret[:10], key_hash=sha256(secret.encode()).hexdigest()
    )
    record_event(subject=api_key, action=events.API_KEY_CREATED, actor=actor, payload={"name": api_key.name})
    # Partner keys live on the integration platform: the key becomes one, with its grant to file reports.
    from tinhso.integration import services as integration_services

    integration_services.adopt_open311_key(actor=actor, api_key=api_key)
    return secret, api_key


@transaction.atomic
def revoke_api_key(*, actor: User | None, prefix: str) -> ApiKey:
    """Stops a partner key from working; the key is named by its first characters, as `list` shows them."""
    matches = list(ApiKey.objects.select_for_update().filter(prefix=prefix, revoked_at__isnull=True))
    if len(matches) != 1:
        message = text(_("Không có khóa API đang dùng nào bắt đầu bằng “%(prefix)s”."), {"prefix": prefix})
        raise InvalidInput(message, errors={"prefix": [message]})
    api_key = matches[0]
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])
    record_event(subject=api_key, action=events.API_KEY_REVOKED, actor=actor, payload={"name": api_key.name})
    return api_key


# Filing ---------------------------------------------------------------------------------------------------


def deadline_for(category: Category, start: datetime) -> datetime:
    if category.deadline_hours:
        return working_time.add_working_time(start, hours=category.deadline_hours)
    return working_time.add_working_time(start, days=category.deadline_days or 1)


def _drawn_tracking_code(now: datetime) -> str:
    """A tracking code of the day, not checked: one in 33 million of the day's codes."""
    return f"PA{timezone.localtime(now):%y%m%d}-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(5))


def _new_tracking_code(now: datetime) -> str:
    while True:
        code = _drawn_tracking_code(now)
        if not Report.objects.filter(tracking_code=code).exists():
            return code


def _checked_attributes(category: Category, values: dict[str, str | list[str]]) -> dict[str, Any]:
    """Answers to the category's extra questions, by datatype, every wrong one named; unknown codes are ignored."""
    checked: dict[str, Any] = {}
    refused: list[InvalidInput] = []
    for attribute in category.attributes.all():
        answer = _gathered(refused, partial(_checked_answer, attribute, values.get(attribute.code)))
        if answer is not None:
            checked[attribute.code] = answer
    if refused:
        raise _all_of(refused, _("Có câu trả lời chưa hợp lệ."))
    return checked


def _checked_answer(attribute: CategoryAttribute, raw: str | list[str] | None) -> str | list[str] | None:
    field = f"attribute[{attribute.code}]"
    answers = raw if isinstance(raw, list) else [] if raw is None else [raw]
    items = [v for v in answers if v]
    if not items:
        if attribute.required:
            raise invalid(field, text(_("Cần trả lời: %(attribute)s."), {"attribute": attribute.description}))
        return None
    keys = {str(key) for key, _ in attribute.values}
    if attribute.datatype == "multivaluelist":
        if not set(items) <= keys:
            raise invalid(
                field,
                text(_("Lựa chọn không hợp lệ cho “%(attribute)s”."), {"attribute": attribute.description}),
            )
        return items
    value = str(items[0])
    if attribute.datatype == "number":
        try:
            float(value)
        except ValueError:
            raise invalid(
                field, text(_("“%(attribute)s” phải là một số."), {"attribute": attribute.description})
            ) from None
    elif attribute.datatype == "datetime" and parse_datetime(value) is None:
        raise invalid(
            field,
            text(_("“%(attribute)s” phải là ngày giờ ISO 8601."), {"attribute": attribute.description}),
        )
    elif attribute.datatype == "singlevaluelist" and value not in keys:
        raise invalid(
            field,
            text(_("Lựa chọn không hợp lệ cho “%(attribute)s”."), {"attribute": attribute.description}),
        )
    return value


def _check_contact(*, reporter: User | None, phone: str, email: str, partner: ApiKey | None) -> None:
    if phone and not (phone.lstrip("+").isdigit() and 9 <= len(phone.lstrip("+")) <= 12):
        raise invalid("phone", text(_("Số điện thoại “%(phone)s” không hợp lệ."), {"phone": phone}))
    if len(email) > MAX_EMAIL:
        # validate_email allows 320 characters; the column holds 254 (RFC 5321's path limit).
        raise invalid("email", text(_("Địa chỉ thư điện tử dài quá %(limit)s ký tự."), {"limit": MAX_EMAIL}))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise invalid(
                "email", text(_("Địa chỉ thư điện tử “%(email)s” không hợp lệ."), {"email": email})
            ) from None
    if reporter is None and partner is None and not (phone or email):
        raise invalid("phone", _("Cần đăng nhập, hoặc để lại số điện thoại hay thư điện tử để nhận kết quả."))


def _store_photos(report: Report, photos: list[CheckedPhoto], kind: str) -> None:
    """Keeps the originals privately and queues the job making their public copies after the commit: decoding
    a phone's photo costs the request half a second (docs/benchmarks.md)."""
    stored: list[int] = []
    for checked in photos:
        width, height = photo_files.public_size((checked.width, checked.height))
        photo = ReportPhoto(report=report, kind=kind, width=width, height=height)
        photo.original.save(
            f"{uuid.uuid4().hex}.{checked.extension}", ContentFile(checked.original), save=False
        )
        core_files.written(photo.original)
        photo.save()
        stored.append(photo.pk)
    if stored:
        from tinhso.fieldreports import tasks

        # Not once_after_commit: the job carries these photos (a transaction stores photos once).
        transaction.on_commit(partial(tasks.queue_processing, stored), robust=True)


# A photo still waiting this long after its upload is queued again (its job was lost or killed); one whose
# job was started this many times already is refused (it kills its job, e.g. out of memory).
PHOTO_REQUEUE_AFTER = timedelta(minutes=5)
PHOTO_ATTEMPTS = 3


def process_photos(*, photo_ids: Iterable[int]) -> None:
    """The job: each photo still waiting gets its public copy (no EXIF, at most 2,048 px) or is refused."""
    for photo_id in photo_ids:
        _process_photo(photo_id)


def _process_photo(photo_id: int) -> None:
    waiting = ReportPhoto.objects.filter(pk=photo_id, state=ReportPhoto.State.PENDING)
    if not waiting.filter(attempts__lt=PHOTO_ATTEMPTS).update(attempts=F("attempts") + 1):
        _refuse_photo(photo_id, reason=f"{PHOTO_ATTEMPTS} lần xử lý không xong")
        return
    photo = ReportPhoto.objects.get(pk=photo_id)
    if not photo.original:  # erased with the reporter's data before its turn
        _refuse_photo(photo_id, reason="ảnh gốc đã xóa")
        return
    try:
        with photo.original.open("rb") as original:
            public = photo_files.public_copy(original.read())
    except photo_files.UnreadablePhoto as error:
        _refuse_photo(photo_id, reason=str(error))
        return
    _publish_photo(photo, public)


@core_files.removed_on_failure()
@transaction.atomic
def _publish_photo(photo: ReportPhoto, public: photo_files.PublicCopy) -> None:
    # Unrelated names: the public copy's URL says nothing about where the original is kept.
    photo.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(public.data), save=False)
    core_files.written(photo.image)
    published = ReportPhoto.objects.filter(pk=photo.pk, state=ReportPhoto.State.PENDING).update(
        state=ReportPhoto.State.PUBLIC, image=photo.image.name, width=public.width, height=public.height
    )
    if not published:  # another run of the job published it first
        photo.image.delete(save=False)
        return
    # The report's kept pages and lists change with its last write.
    Report.objects.filter(pk=photo.report_id).update(updated_at=timezone.now())


def _refuse_photo(photo_id: int, *, reason: str) -> None:
    waiting = ReportPhoto.objects.filter(pk=photo_id, state=ReportPhoto.State.PENDING)
    waiting.update(state=ReportPhoto.State.REFUSED, refusal=reason[:200])


def unprocessed_photos(*, now: datetime, limit: int = 1000) -> list[int]:
    """Photos waiting longer than PHOTO_REQUEUE_AFTER for their job, oldest first."""
    waiting = ReportPhoto.objects.filter(
        state=ReportPhoto.State.PENDING, uploaded_at__lt=now - PHOTO_REQUEUE_AFTER
    )
    return list(waiting.order_by("uploaded_at", "pk").values_list("pk", flat=True)[:limit])


def _created(fields: dict[str, Any], *, key: str, fingerprint: str, now: datetime) -> Report:
    """The report and its Idempotency-Key inserted in a savepoint, so a refused duplicate key leaves the
    caller's transaction usable and no report behind. The tracking code is drawn without a look-up: the
    unique index refuses the rare one taken, and another is drawn."""
    while True:
        try:
            with transaction.atomic():
                report = Report.objects.create(**fields)
                if key and report.reporter:  # only a signed-in reporter may give one (file_report checks)
                    row = idempotency.key_row(
                        user=report.reporter,
                        scope=IDEMPOTENCY_SCOPE,
                        key=key,
                        fingerprint=fingerprint,
                        created=report,
                    )
                    row.save(force_insert=True)
                return report
        except IntegrityError:
            if not Report.objects.filter(tracking_code=fields["tracking_code"]).exists():
                raise
            fields["tracking_code"] = _drawn_tracking_code(now)


@dataclass(frozen=True)
class CheckedReport:
    category: Category
    description: str
    attributes: dict[str, Any]
    commune: AdminUnit
    latitude: float
    longitude: float
    photos: list[CheckedPhoto]
    phone: str
    email: str


def _gathered(refused: list[InvalidInput], call: Callable[[], T]) -> T | None:
    """The call's answer, or None with its refusal kept, so a filing is checked in one round."""
    try:
        return call()
    except InvalidInput as error:
        refused.append(error)
        return None


def _all_of(refused: list[InvalidInput], message: "StrOrPromise") -> InvalidInput:
    """One refusal as it was (its own code), or several merged under each field."""
    if len(refused) == 1:
        return refused[0]
    errors: dict[str, list[str]] = {}
    for error in refused:
        for field, messages in (error.errors or {"form": [str(error.message)]}).items():
            errors.setdefault(field, []).extend(m for m in messages if m not in errors[field])
    return InvalidInput(message, errors=errors)


def check_report(
    *,
    category_code: str,
    description: str,
    latitude: float | None,
    longitude: float | None,
    commune_code: str | None = None,
    reporter: User | None = None,
    phone: str = "",
    email: str = "",
    address: str = "",
    attributes: dict[str, str | list[str]] | None = None,
    photos: Sequence[UploadedFile] = (),
    partner: ApiKey | None = None,
) -> CheckedReport:
    """Every check of a filing, without writing: one InvalidInput naming every field at fault, or the values
    to store."""
    errors: list[InvalidInput] = []
    category = _gathered(errors, lambda: selectors.category_by_code(category_code))
    checked_description = _gathered(errors, lambda: _checked_description(description))
    _gathered(errors, lambda: _checked_address(address))
    phone, email = phone.strip().replace(" ", ""), email.strip().lower()
    _gathered(errors, lambda: _check_contact(reporter=reporter, phone=phone, email=email, partner=partner))
    checked_attributes = (
        _gathered(errors, lambda: _checked_attributes(category, attributes or {})) if category else None
    )
    place = _gathered(
        errors,
        lambda: selectors.place_of_report(
            latitude=latitude, longitude=longitude, commune_code=commune_code, address=address
        ),
    )
    checked_photos = _gathered(errors, lambda: check_photos(list(photos)))
    if errors or category is None or checked_description is None or place is None:
        raise _all_of(errors, _("Phản ánh có nhiều mục chưa hợp lệ, xem từng mục."))
    commune, latitude, longitude = place
    return CheckedReport(
        category=category,
        description=checked_description,
        attributes=checked_attributes or {},
        commune=commune,
        latitude=latitude,
        longitude=longitude,
        photos=checked_photos or [],
        phone=phone,
        email=email,
    )


def _checked_description(description: str) -> str:
    description = description.strip()
    if not description:
        raise invalid("description", _("Cần mô tả vấn đề cần phản ánh."))
    if len(description) > MAX_DESCRIPTION:
        limit = f"{MAX_DESCRIPTION:,}".replace(",", ".")
        raise invalid("description", text(_("Nội dung phản ánh dài quá %(limit)s ký tự."), {"limit": limit}))
    return description


def _checked_address(address: str) -> None:
    if len(address.strip()) > MAX_ADDRESS:
        raise invalid("address", text(_("Địa chỉ dài quá %(limit)s ký tự."), {"limit": MAX_ADDRESS}))


@core_files.removed_on_failure()
@transaction.atomic
def submit_report(
    *,
    category_code: str,
    description: str,
    latitude: float | None,
    longitude: float | None,
    commune_code: str | None = None,
    reporter: User | None = None,
    reporter_name: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    attributes: dict[str, str | list[str]] | None = None,
    photos: Sequence[UploadedFile] = (),
    source: str = Report.Source.WEB,
    partner: ApiKey | None = None,
    idempotency_key: str = "",
    now: datetime | None = None,
) -> Report:
    """Files a report, places it (the commune picked, or the point's, never silently another: see
    `selectors.place_of_report`) and routes it to the responsible unit.

    With an idempotency key, a signed-in reporter repeating the same request gets the first report back."""
    now = now or timezone.now()
    reporter = reporter if reporter is not None and reporter.is_authenticated else None
    fingerprint = ""
    if idempotency_key:
        if reporter is None:
            raise InvalidInput.on("Idempotency-Key", _("Idempotency-Key chỉ dùng khi đã đăng nhập."))
        idempotency.checked_key(idempotency_key)
        request = [category_code, description, latitude, longitude, address, attributes or {}, len(photos)]
        fingerprint = idempotency.fingerprint(request=request)
    checked = check_report(
        category_code=category_code,
        description=description,
        latitude=latitude,
        longitude=longitude,
        commune_code=commune_code,
        reporter=reporter,
        phone=phone,
        email=email,
        address=address,
        attributes=attributes,
        photos=photos,
        partner=partner,
    )
    unit = selectors.responsible_unit_for(category=checked.category, commune=checked.commune)
    fields = dict(
        tracking_code=_drawn_tracking_code(now),
        token=secrets.token_urlsafe(18),
        category=checked.category,
        description=checked.description,
        attributes=checked.attributes,
        latitude=checked.latitude,
        longitude=checked.longitude,
        address=address.strip()[:300],
        commune=checked.commune,
        responsible_unit=unit,
        source=source,
        partner=partner,
        reporter=reporter,
        reporter_name=reporter_name.strip()[:150],
        reporter_phone=checked.phone,
        reporter_email=checked.email,
        status=Report.Status.ROUTED,
        submitted_at=now,
        due_at=deadline_for(checked.category, now),
    )
    created: list[Report] = []
    earlier = idempotency.insert_or_earlier(
        insert=lambda: created.append(
            _created(fields, key=idempotency_key, fingerprint=fingerprint, now=now)
        ),
        user=reporter,
        scope=IDEMPOTENCY_SCOPE,
        key=idempotency_key,
        fingerprint=fingerprint,
        load=lambda pk: Report.objects.get(pk=pk),
    )
    if earlier is not None:
        return earlier
    report = created[0]
    _store_photos(report, checked.photos, ReportPhoto.Kind.REPORT)
    submitted = first_event(
        subject=report,
        action=events.SUBMITTED,
        actor=reporter,
        payload={
            "tracking_code": report.tracking_code,
            "category": checked.category.code,
            "commune": checked.commune.code,
            "source": source,
            "partner": partner.pk if partner else None,
            "photos": len(checked.photos),
        },
    )
    routed = next_event(
        submitted,
        action=events.ROUTED,
        actor=None,
        payload={"unit": unit.code, "due_at": report.due_at.isoformat(), "automatic": True},
    )
    insert_new(submitted, routed)  # the new report's chain, both events in one statement
    return report


# The lifecycle (fieldreports.lifecycle): every action takes (actor, tracking_code, version) ---------------


def _state(report: Report) -> dict[str, Any]:
    """The current state a refused writer is shown, so it can reload and decide again."""
    return {
        "tracking_code": report.tracking_code,
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "version": report.version,
    }


def _locked(*, tracking_code: str, version: int) -> Report:
    """The report, row-locked for this transaction, if `version` is the one stored.

    The lock query joins nothing: a join would lock the category and unit too (serialising unrelated
    reports), and PostgreSQL re-checks a joined condition against the old unit row after waiting for a
    writer who changed the unit, silently finding no row."""
    row = Report.objects.select_for_update().filter(tracking_code=tracking_code).first()
    if row is None:
        message = text(_("Không có phản ánh mã “%(code)s”."), {"code": tracking_code})
        raise NotFound(message, code="report_not_found")
    if row.version != version:
        raise Conflict(
            text(
                _("Phản ánh %(code)s vừa được người khác cập nhật; hãy tải lại rồi thử lại."),
                {"code": tracking_code},
            ),
            code="stale_version",
            current=_state(row),
        )
    return row


def _allowed(actor: User | None, report: Report, action: str, *, contact: str = "") -> Transition:
    """The table's row for `action` from the report's status, if the actor is one of its parties."""
    row = LIFECYCLE.check(action, report.status, current=_state(report), status=report.status)
    LIFECYCLE.authorize(row, lambda party: selectors.is_party(actor, report, party, contact=contact))
    return row


def _save(report: Report, *fields: str) -> Report:
    report.version += 1
    report.save(update_fields=[*fields, "version", "updated_at"])
    return report


# Coordination -------------------------------------------------------------------------------------------


@transaction.atomic
def reroute_report(*, actor: User, tracking_code: str, version: int, unit_code: str, reason: str) -> Report:
    report = _locked(tracking_code=tracking_code, version=version)
    row = _allowed(actor, report, "reroute")
    reason = required_text(reason, "reason", _("Cần ghi lý do chuyển đơn vị."))
    unit = core_selectors.unit_by_code(unit_code)
    if unit.pk == report.responsible_unit_id:
        raise invalid("unit_code", text(_("Phản ánh đã ở %(unit)s."), {"unit": unit.name}))
    previous = report.responsible_unit.code
    report.responsible_unit, report.status, report.acknowledged_at = unit, row.target, None
    _save(report, "responsible_unit", "status", "acknowledged_at")
    record_event(
        subject=report,
        action=row.event,
        actor=actor,
        payload={"from": previous, "unit": unit.code, "reason": reason},
    )
    return report


@transaction.atomic
def change_category(
    *, actor: User, tracking_code: str, version: int, category_code: str, reason: str
) -> Report:
    """Puts the report in another category: routed again by the rules, deadline counted again from filing."""
    report = _locked(tracking_code=tracking_code, version=version)
    row = _allowed(actor, report, "change_category")
    reason = required_text(reason, "reason", _("Cần ghi lý do đổi lĩnh vực."))
    category = selectors.category_by_code(category_code)
    if category.pk == report.category_id:
        raise invalid("category", text(_("Phản ánh đã thuộc lĩnh vực “%(name)s”."), {"name": category.name}))
    previous = report.category.code
    report.category = category
    report.responsible_unit = selectors.responsible_unit_for(category=category, commune=report.commune)
    report.due_at = deadline_for(category, report.submitted_at)
    report.status, report.acknowledged_at = row.target, None
    report.overdue_at = report.overdue_at if report.due_at < timezone.now() else None
    _save(report, "category", "responsible_unit", "due_at", "status", "acknowledged_at", "overdue_at")
    record_event(
        subject=report,
        action=row.event,
        actor=actor,
        payload={
            "from": previous,
            "category": category.code,
            "unit": report.responsible_unit.code,
            "due_at": report.due_at.isoformat(),
            "reason": reason,
        },
    )
    return report


@transaction.atomic
def merge_reports(*, actor: User, tracking_code: str, version: int, into: str) -> Report:
    """Closes the report as a duplicate of the one coded `into`; whoever follows it is pointed there."""
    if tracking_code == into:
        raise invalid("into", _("Không thể gộp phản ánh vào chính nó."))
    # Rows are locked in id order, so two coordinators merging the same pair both ways cannot deadlock.
    list(
        Report.objects.select_for_update()
        .filter(tracking_code__in=[tracking_code, into])
        .order_by("pk")
        .values_list("pk")
    )
    duplicate = _locked(tracking_code=tracking_code, version=version)
    row = _allowed(actor, duplicate, "merge")
    kept = Report.objects.filter(tracking_code=into).first()
    if kept is None:
        raise invalid("into", text(_("Không có phản ánh mã “%(code)s”."), {"code": into}))
    if kept.status not in (*Report.OPEN_STATUSES, Report.Status.PUBLISHED):
        raise Conflict(
            text(
                _("Không thể gộp vào phản ánh %(code)s đang ở trạng thái “%(status)s”."),
                {"code": into, "status": kept.get_status_display()},
            ),
            code="transition_not_allowed",
            current=_state(kept),
        )
    now = timezone.now()
    duplicate.status, duplicate.merged_into, duplicate.closed_at = row.target, kept, now
    _save(duplicate, "status", "merged_into", "closed_at")
    record_event(subject=duplicate, action=row.event, actor=actor, payload={"into": kept.tracking_code})
    _save(kept)
    record_event(
        subject=kept,
        action=events.DUPLICATE_MERGED,
        actor=actor,
        payload={"duplicate": duplicate.tracking_code},
    )
    return duplicate


@transaction.atomic
def split_report(
    *, actor: User, tracking_code: str, version: int, parts: list[tuple[str, str]]
) -> list[Report]:
    """Files each further problem of a report as its own report (category, description), same place."""
    report = _locked(tracking_code=tracking_code, version=version)
    row = _allowed(actor, report, "split")
    if not parts:
        raise invalid("parts", _("Cần ít nhất một phần tách ra."))
    children = []
    for category_code, description in parts:
        category = selectors.category_by_code(category_code)
        description = required_text(description, "parts", _("Mỗi phần tách ra cần có nội dung."))
        child = Report.objects.create(
            tracking_code=_new_tracking_code(timezone.now()),
            token=secrets.token_urlsafe(18),
            category=category,
            description=description[:MAX_DESCRIPTION],
            latitude=report.latitude,
            longitude=report.longitude,
            address=report.address,
            commune=report.commune,
            responsible_unit=selectors.responsible_unit_for(category=category, commune=report.commune),
            source=Report.Source.STAFF,
            reporter=report.reporter,
            reporter_name=report.reporter_name,
            reporter_phone=report.reporter_phone,
            reporter_email=report.reporter_email,
            submitted_at=report.submitted_at,
            due_at=deadline_for(category, report.submitted_at),
            split_from=report,
        )
        record_event(
            subject=child,
            action=events.SPLIT_FROM,
            actor=actor,
            payload={
                "parent": report.tracking_code,
                "tracking_code": child.tracking_code,
                "category": category.code,
                "unit": child.responsible_unit.code,
                "due_at": child.due_at.isoformat(),
            },
        )
        children.append(child)
    _save(report)
    record_event(
        subject=report,
        action=row.event,
        actor=actor,
        payload={"parts": [child.tracking_code for child in children]},
    )
    return children


@transaction.atomic
def reject_report(*, actor: User, tracking_code: str, version: int, reason: str) -> Report:
    report = _locked(tracking_code=tracking_code, version=version)
    row = _allowed(actor, report, "reject")
    report.rejection_reason = required_text(reason, "reason", _("Cần ghi lý do không tiếp nhận."))
    report.status, report.closed_at = row.target, timezone.now()
    _save(report, "rejection_reason", "status", "closed_at")
    record_event(subject=report, action=row.event, actor=actor, payload={"reason": report.rejection_reason})
    return report


# Handling by the responsible unit ------------------------------------------------------------------------


@transaction.atomic
def acknowledge_report(*, actor: User, tracking_code: str, version: int) -> Report:
    report = _locked(tracking_code=tracking_code, version=version)
    row = _allowed(actor, report, "acknowledge")
    report.status, report.acknowledged_at = row.target, timezone.now()
    _save(report, "status", "acknowledged_at")
    record_event(
        subject=report, action=row.event, actor=actor, payload={"unit": report.responsible_unit.code}
    )
    return report


@core_files.removed_on_failure()
@transaction.atomic
def post_result(
    *, actor: User, tracking_code: str, version: int, result: str, photos: Sequence[UploadedFile] = ()
) -> Report:
    report = _locked(tracking_code=tracking_code, version=version)
    row = _allowed(actor, report, "post_result")
    report.result = required_text(result, "result", _("Cần ghi kết quả xử lý."))
    checked = check_photos(list(photos))
    report.status, report.resolved_at = row.target, timezone.now()
    _save(report, "result", "status", "resolved_at")
    _store_photos(report, checked, ReportPhoto.Kind.RESULT)
    record_event(
        subject=report,
        action=row.event,
        actor=actor,
        payload={
            "unit": report.responsible_unit.code,
            "photos": len(checked),
            "on_time": report.resolved_at <= report.due_at,
        },
    )
    return report


@transaction.atomic
def approve_result(*, actor: User, tracking_code: str, version: int) -> Report:
    """The coordinating centre publishes the unit's result; the report closes and the reporter may rate it."""
    report = _locked(tracking_code=tracking_code, version=version)
    row = _allowed(actor, report, "approve_result")
    report.status, report.closed_at = row.target, timezone.now()
    _save(report, "status", "closed_at")
    record_event(subject=report, action=row.event, actor=actor, payload={})
    return report


@transaction.atomic
def send_back_result(*, actor: User, tracking_code: str, version: int, reason: str) -> Report:
    """The coordinating centre sends an inadequate result back to the unit (in dossiers, `return_result` is
    the opposite: handing the result to the applicant)."""
    report = _locked(tracking_code=tracking_code, version=version)
    row = _allowed(actor, report, "send_back_result")
    reason = required_text(reason, "reason", _("Cần ghi lý do trả lại kết quả."))
    report.status, report.resolved_at = row.target, None
    _save(report, "status", "resolved_at")
    record_event(subject=report, action=row.event, actor=actor, payload={"reason": reason})
    return report


# The reporter ---------------------------------------------------------------------------------------------


def _person(user: User | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


@transaction.atomic
def rate_report(
    *,
    actor: User | None,
    tracking_code: str,
    version: int,
    satisfied: bool,
    contact: str = "",
    comment: str = "",
) -> Report:
    """The reporter (signed in, or giving the contact they left) rates a published result; the first
    unsatisfied rating reopens the report."""
    report = _locked(tracking_code=tracking_code, version=version)
    row = _allowed(actor, report, "rate", contact=contact)
    if report.satisfied is not None:
        raise Conflict(
            text(_("Kết quả phản ánh %(code)s đã được đánh giá."), {"code": report.tracking_code}),
            code="already_rated",
            current=_state(report),
        )
    actor = _person(actor)
    comment = comment.strip()[:1000]
    record_event(subject=report, action=row.event, actor=actor, payload={"satisfied": satisfied})
    if satisfied or report.reopen_count >= 1:
        report.satisfied, report.rating_comment = satisfied, comment
        return _save(report, "satisfied", "rating_comment")
    now = timezone.now()
    report.status, report.reopen_count, report.closed_at = Report.Status.REOPENED, 1, None
    report.resolved_at, report.acknowledged_at, report.overdue_at = None, None, None
    report.due_at, report.rating_comment = deadline_for(report.category, now), comment
    _save(
        report,
        "status",
        "reopen_count",
        "closed_at",
        "resolved_at",
        "acknowledged_at",
        "overdue_at",
        "due_at",
        "rating_comment",
    )
    record_event(
        subject=report,
        action=events.REOPENED,
        actor=actor,
        payload={"unit": report.responsible_unit.code, "due_at": report.due_at.isoformat()},
    )
    return report


@transaction.atomic
def remove_personal_data(
    *, actor: User | None, tracking_code: str, version: int, contact: str = ""
) -> Report:
    """Erases who filed a closed report (account link, name, phone, email, photo originals)."""
    report = _locked(tracking_code=tracking_code, version=version)
    row = _allowed(actor, report, "remove_personal_data", contact=contact)
    return _erase_reporter(report, row, actor=_person(actor), reason="reporter")


def purge_personal_data(*, now: datetime | None = None) -> int:
    """Erases the reporter's data from reports closed longer than the retention period (one transaction each)."""
    cutoff = (now or timezone.now()) - PERSONAL_DATA_RETENTION
    purged = 0
    for report in selectors.reports_past_retention(closed_before=cutoff):
        try:
            with transaction.atomic():
                locked = _locked(tracking_code=report.tracking_code, version=report.version)
                row = LIFECYCLE.check("remove_personal_data", locked.status, current=_state(locked))
                _erase_reporter(locked, row, actor=None, reason="retention")
        except Conflict:
            continue  # reopened or changed meanwhile: looked at again on the next run
        purged += 1
    return purged


def _erase_reporter(report: Report, row: Transition, *, actor: User | None, reason: str) -> Report:
    report.reporter, report.reporter_name, report.reporter_phone, report.reporter_email = None, "", "", ""
    report.personal_data_removed_at = timezone.now()
    _save(report, "reporter", "reporter_name", "reporter_phone", "reporter_email", "personal_data_removed_at")
    for photo in report.photos.exclude(original=""):
        photo.original.delete(save=False)
        photo.original = ""
        photo.save(update_fields=["original"])
    record_event(subject=report, action=row.event, actor=actor, payload={"by": reason})
    return report


@transaction.atomic
def follow_report(*, user: User, report: Report) -> Follow:
    """A signed-in citizen follows an open report instead of filing the same problem again."""
    if user is None or not user.is_authenticated:
        raise Forbidden(_("Cần đăng nhập để theo dõi phản ánh."), code="sign_in_required")
    report = Report.objects.get(pk=report.pk)
    if not report.is_open:
        raise Conflict(
            text(_("Phản ánh %(code)s đã đóng, không cần theo dõi."), {"code": report.tracking_code}),
            code="transition_not_allowed",
            current=_state(report),
        )
    if report.reporter_id == user.pk:
        raise Conflict(
            text(_("Bạn là người gửi phản ánh %(code)s."), {"code": report.tracking_code}), code="own_report"
        )
    follow, created = Follow.objects.get_or_create(report=report, user=user)
    if created:
        record_event(subject=report, action=events.FOLLOWED, actor=user, payload={})
    return follow


# Deadlines ------------------------------------------------------------------------------------------------


def flag_overdue_reports(*, now: datetime | None = None) -> int:
    """Flags reports past their deadline and escalates each to its unit's leaders (one transaction each)."""
    now = now or timezone.now()
    ids = list(selectors.overdue_reports(now=now).order_by("due_at").values_list("pk", flat=True))
    return sum(_flag_overdue(pk=pk, now=now) for pk in ids)


@transaction.atomic
def _flag_overdue(*, pk: int, now: datetime) -> bool:
    report = Report.objects.select_for_update().get(pk=pk)
    if report.status not in WAITING_ON_UNIT or report.overdue_at is not None or report.due_at >= now:
        return False  # handled or flagged meanwhile
    # A flag of the clock, not a change of state: the version stays, so officials' open pages stay valid.
    report.overdue_at = now
    report.save(update_fields=["overdue_at"])
    unit = report.responsible_unit
    record_event(
        subject=report,
        action=events.OVERDUE,
        actor=None,
        payload={"due_at": report.due_at.isoformat(), "unit": unit.code},
    )
    leaders = core_selectors.role_holders(Role.UNIT_LEADER, unit, domain=Domain.FIELD_REPORTS, nearest=True)
    record_event(
        subject=report, action=events.ESCALATED, actor=None, payload={"unit": unit.code, "leaders": leaders}
    )
    return True
