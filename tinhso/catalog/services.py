"""Writes of the catalog: publishing a procedure version and defining bundles."""

from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from unidecode import unidecode

if TYPE_CHECKING:
    pass

from tinhso.catalog import events
from tinhso.catalog.models import Bundle, BundleItem, Procedure, ProcessStep, RequiredDocument
from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Forbidden, invalid
from tinhso.core.models import AdminUnit, Role, User
from tinhso.core.money import checked_amount
from tinhso.core.services import record_event


@dataclass(frozen=True)
class DocumentSpec:
    name: str
    form: str = RequiredDocument.Form.ORIGINAL_OR_COPY
    mandatory: bool = True
    reusable_from: str = RequiredDocument.Source.APPLICANT


@dataclass(frozen=True)
class StepSpec:
    name: str
    role: str
    unit_kind: str
    hours: Decimal
    unit: AdminUnit | None = None
    name_en: str = ""


def search_key(text: str) -> str:
    """Lower case without diacritics, so “dang ky khai sinh” finds “Đăng ký khai sinh”."""
    return unidecode(text).lower()


def _check_times(*, days: int, hours: Decimal, steps: list[StepSpec], legal_hours: Decimal) -> None:
    if (days > 0) == (hours > 0):
        raise invalid(
            "processing_days", _("Cần đúng một thời hạn giải quyết: theo ngày làm việc hoặc theo giờ.")
        )
    if not steps:
        raise invalid("steps", _("Cần ít nhất một bước trong quy trình nội bộ."))
    for index, step in enumerate(steps, start=1):
        if step.hours <= 0:
            raise invalid("steps", _("Bước %(step)s cần thời gian lớn hơn 0."), step=index)
        if step.role not in Role.values:
            raise invalid(
                "steps", _("Bước %(step)s: vai trò “%(role)s” không tồn tại."), step=index, role=step.role
            )
        if step.unit_kind not in ProcessStep.UnitKind.values:
            raise invalid(
                "steps",
                _("Bước %(step)s: loại đơn vị “%(kind)s” không hợp lệ."),
                step=index,
                kind=step.unit_kind,
            )
        if (step.unit_kind == ProcessStep.UnitKind.FIXED) != (step.unit is not None):
            raise invalid(
                "steps", _("Bước %(step)s: chỉ bước giao cho đơn vị chỉ định mới ghi đơn vị."), step=index
            )
    total = sum((step.hours for step in steps), Decimal(0))
    if total != legal_hours:
        raise invalid(
            "steps",
            _(
                "Tổng thời gian các bước (%(total)s giờ làm việc) phải bằng thời hạn giải quyết "
                "(%(legal)s giờ làm việc)."
            ),
            total=f"{total:g}",
            legal=f"{legal_hours:g}",
        )


@transaction.atomic
def publish_procedure(
    *,
    actor: User | None,
    code: str,
    name: str,
    sector: str,
    level: str,
    authority_name: str,
    online_level: str,
    form_schema: dict[str, Any],
    documents: list[DocumentSpec],
    steps: list[StepSpec],
    processing_days: int = 0,
    processing_hours: Decimal = Decimal(0),
    cutoff_time: time | None = None,
    authority: AdminUnit | None = None,
    fee: Decimal | None = None,
    fee_note: str = "",
    result_name: str = "",
    legal_basis: str = "",
    code_is_national: bool = True,
) -> Procedure:
    """Publishes a new version of a procedure; earlier versions stay as they were for their dossiers."""
    if actor is not None and not core_selectors.has_role(actor, Role.ADMINISTRATOR):
        raise Forbidden(_("Chỉ quản trị hệ thống được công bố thủ tục."), code="role_required")
    if level not in Procedure.Level.values:
        raise invalid("level", _("Cấp thực hiện phải là cấp tỉnh hoặc cấp xã."))
    if online_level not in Procedure.OnlineLevel.values:
        raise invalid("online_level", _("Mức độ dịch vụ công trực tuyến phải là toàn trình hoặc một phần."))
    if level == Procedure.Level.PROVINCE and authority is None:
        raise invalid("authority", _("Thủ tục cấp tỉnh cần cơ quan có thẩm quyền giải quyết."))
    if fee is not None:
        checked_amount(fee, field="fee", allow_zero=True)
    try:
        Draft202012Validator.check_schema(form_schema)
    except SchemaError as error:
        raise invalid(
            "form_schema", _("Biểu mẫu không phải JSON Schema hợp lệ: %(problem)s"), problem=error.message
        ) from None
    if form_schema.get("type") != "object":
        raise invalid("form_schema", _("Biểu mẫu phải là một đối tượng (type: object)."))
    draft = Procedure(code=code, processing_days=processing_days, processing_hours=Decimal(processing_hours))
    _check_times(
        days=processing_days, hours=draft.processing_hours, steps=steps, legal_hours=draft.legal_hours
    )
    # Locking the current version makes two simultaneous publications queue, so versions never collide.
    previous = Procedure.objects.select_for_update().filter(code=code, is_current=True).first()
    if previous is not None:
        Procedure.objects.filter(pk=previous.pk).update(is_current=False)
    procedure = Procedure.objects.create(
        code=code,
        code_is_national=code_is_national,
        version=previous.version + 1 if previous else 1,
        is_current=True,
        name=name,
        sector=sector,
        level=level,
        authority=authority,
        authority_name=authority_name,
        processing_days=processing_days,
        processing_hours=draft.processing_hours,
        cutoff_time=cutoff_time,
        fee=fee,
        fee_note=fee_note,
        online_level=online_level,
        form_schema=form_schema,
        result_name=result_name,
        legal_basis=legal_basis,
        search_text=search_key(f"{code} {name} {sector}"),
        published_at=timezone.now(),
        published_by=actor,
    )
    RequiredDocument.objects.bulk_create(
        RequiredDocument(
            procedure=procedure,
            order=order,
            name=spec.name,
            mandatory=spec.mandatory,
            form=spec.form,
            reusable_from=spec.reusable_from,
        )
        for order, spec in enumerate(documents, start=1)
    )
    ProcessStep.objects.bulk_create(
        ProcessStep(
            procedure=procedure,
            order=order,
            name=spec.name,
            name_en=spec.name_en,
            role=spec.role,
            unit_kind=spec.unit_kind,
            unit=spec.unit,
            hours=spec.hours,
        )
        for order, spec in enumerate(steps, start=1)
    )
    record_event(
        subject=procedure,
        action=events.PROCEDURE_PUBLISHED,
        actor=actor,
        payload={"code": code, "version": procedure.version, "name": name},
    )
    return procedure


@transaction.atomic
def define_bundle(
    *, actor: User | None, code: str, name: str, procedure_codes: list[str], description: str = ""
) -> Bundle:
    if actor is not None and not core_selectors.has_role(actor, Role.ADMINISTRATOR):
        raise Forbidden(
            _("Chỉ quản trị hệ thống được định nghĩa nhóm thủ tục liên thông."), code="role_required"
        )
    known = set(
        Procedure.objects.filter(code__in=procedure_codes, is_current=True).values_list("code", flat=True)
    )
    missing = [c for c in procedure_codes if c not in known]
    if missing:
        raise invalid("procedure_codes", _("Chưa có thủ tục: %(codes)s."), codes=", ".join(missing))
    bundle, _created = Bundle.objects.update_or_create(
        code=code, defaults={"name": name, "description": description}
    )
    bundle.items.all().delete()
    BundleItem.objects.bulk_create(
        BundleItem(bundle=bundle, order=order, procedure_code=procedure_code)
        for order, procedure_code in enumerate(procedure_codes, start=1)
    )
    record_event(
        subject=bundle, action=events.BUNDLE_DEFINED, actor=actor, payload={"procedures": procedure_codes}
    )
    return bundle
