"""Checks form data against a procedure's JSON Schema, with each error in Vietnamese beside its field."""

import re
from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from datetime import date
from functools import partial
from hashlib import sha256
from typing import Any, TypeVar

from django.core.files.base import File
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from tinhso.catalog.models import Procedure, RequiredDocument
from tinhso.core import caching
from tinhso.core.errors import InvalidInput, NotFound

T = TypeVar("T")

MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Types are told by the file's first bytes, never by its name or the browser's claim.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)

TYPE_NAMES = {
    "string": gettext_lazy("chuỗi ký tự"),
    "integer": gettext_lazy("số nguyên"),
    "number": gettext_lazy("số"),
    "boolean": gettext_lazy("đúng hoặc sai"),
    "object": gettext_lazy("nhóm thông tin"),
    "array": gettext_lazy("danh sách"),
}
FORMAT_NAMES = {
    "date": gettext_lazy("ngày (năm-tháng-ngày, ví dụ 2026-02-02)"),
    "email": gettext_lazy("địa chỉ thư điện tử"),
    "date-time": gettext_lazy("thời điểm"),
}
# A pattern of n digits and nothing else, as identity numbers are written in the schemas.
_DIGITS = re.compile(r"\^(?:\[0-9\]|\\d)\{(\d+)\}\$")


def _limit(value: str) -> date | None:
    """The bound of an `x-earliest`/`x-latest` keyword: `today` (the local day) or a date."""
    if value == "today":
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _bounded(later: bool) -> Callable:
    """The check of a date field against the form's bound: no birth in the future, no date before a law."""

    def check(validator: object, value: str, instance: object, schema: dict) -> Iterator[ValidationError]:
        limit = _limit(value)
        try:
            day = date.fromisoformat(instance) if isinstance(instance, str) else None
        except ValueError:
            day = None  # the format check names it
        if day is not None and limit is not None and (day > limit if later else day < limit):
            yield ValidationError(f"{day} is out of bounds ({value})")

    return check


# The schemas' own keywords for dates: `"x-latest": "today"` refuses a birth date in the future.
_Validator = validators.extend(
    Draft202012Validator, {"x-latest": _bounded(later=True), "x-earliest": _bounded(later=False)}
)


def _pattern_message(error: ValidationError) -> str:
    """What the value should look like: “Số định danh cá nhân gồm 12 chữ số.”, or the schema's own hint."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    if schema.get("x-hint"):
        return str(schema["x-hint"])
    digits = _DIGITS.fullmatch(str(error.validator_value))
    if digits:
        return _("%(name)s gồm %(count)s chữ số.") % {
            "name": schema.get("title") or _("Giá trị này"),
            "count": digits.group(1),
        }
    return _("Không đúng định dạng.")


def _date_message(error: ValidationError, *, later: bool) -> str:
    value = error.validator_value
    if value == "today":
        return _("Không được là một ngày trong tương lai.") if later else _("Không được là một ngày đã qua.")
    limit = _limit(value)
    shown = f"{limit:%d/%m/%Y}" if limit else value
    message = _("Không được sau ngày %(day)s.") if later else _("Không được trước ngày %(day)s.")
    return message % {"day": shown}


def _message(error: ValidationError) -> str:
    value = error.validator_value
    match error.validator:
        case "x-latest":
            return _date_message(error, later=True)
        case "x-earliest":
            return _date_message(error, later=False)
        case "required":
            return _("Cần nhập thông tin này.")
        case "type":
            names = value if isinstance(value, list) else [value]
            kinds = get_text_list([str(TYPE_NAMES.get(name, name)) for name in names], _("hoặc"))
            return _("Phải là %(kinds)s.") % {"kinds": kinds}
        case "minLength":
            if value == 1:
                return _("Cần nhập thông tin này.")
            return _("Cần ít nhất %(count)s ký tự.") % {"count": value}
        case "maxLength":
            return _("Không quá %(count)s ký tự.") % {"count": value}
        case "pattern":
            return _pattern_message(error)
        case "format":
            return _("Phải là %(kind)s hợp lệ.") % {"kind": FORMAT_NAMES.get(value, value)}
        case "enum":
            return _("Phải là một trong: %(options)s.") % {
                "options": ", ".join(str(option) for option in value)
            }
        case "minimum":
            return _("Không được nhỏ hơn %(value)s.") % {"value": value}
        case "exclusiveMinimum":
            return _("Phải lớn hơn %(value)s.") % {"value": value}
        case "maximum":
            return _("Không được lớn hơn %(value)s.") % {"value": value}
        case "exclusiveMaximum":
            return _("Phải nhỏ hơn %(value)s.") % {"value": value}
        case "additionalProperties":
            return _("Thông tin này không có trong biểu mẫu.")
        case _:
            return _("Giá trị không hợp lệ.")


def _fields(error: ValidationError) -> list[str]:
    """Where the error belongs: the missing or unexpected property, or the path of the bad value."""
    path = ".".join(str(part) for part in error.absolute_path)
    prefix = f"{path}." if path else ""
    instance = error.instance if isinstance(error.instance, dict) else {}
    if error.validator == "required":
        return [f"{prefix}{name}" for name in error.validator_value if name not in instance]
    if error.validator == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        return [f"{prefix}{name}" for name in instance if name not in allowed]
    return [path or "form_data"]


# Validators of the schemas seen, by the schema's identity: each cached procedure version keeps its schema.
_VALIDATORS = caching.Kept("dossiers.form_validators", max_entries=256)


def _validator(schema: dict) -> Draft202012Validator:
    cached = _VALIDATORS.peek(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    validator = _Validator(schema, format_checker=FormatChecker())
    _VALIDATORS.put(id(schema), (schema, validator))  # holding the schema keeps its id from being reused
    return validator


def form_errors(schema: dict, data: object) -> dict[str, list[str]]:
    """{field: [Vietnamese messages]} for every way `data` breaks `schema`; empty when it conforms."""
    validator = _validator(schema)
    errors: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        message = _message(error)
        for field in _fields(error):
            if message not in errors.setdefault(field, []):
                errors[field].append(message)
    return errors


Checked = tuple[File, str, str, int | None]  # the upload, its content type, SHA-256, the required document


def checked_attachments(
    files: "Sequence[File[Any]]",
    *,
    already: int = 0,
    requirement: int | None = None,
    field: str = "attachments",
) -> list[Checked]:
    """(file, content type, SHA-256, the order of the required document it answers) for each upload, or
    InvalidInput naming every refused file and why, under `field`."""
    problems = []
    if already + len(files) > MAX_ATTACHMENTS:
        problems.append(_too_many_files())
    accepted = []
    for upload in files:
        name = upload.name or _("tệp")
        upload.seek(0)
        head = upload.read(16)
        content_type = next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)
        if upload.size > MAX_ATTACHMENT_BYTES:
            limit = MAX_ATTACHMENT_BYTES // (1024 * 1024)
            problems.append(_("“%(name)s” lớn hơn %(limit)s MB.") % {"name": name, "limit": limit})
        elif content_type is None:
            problems.append(_("“%(name)s” không phải tệp PDF, JPEG hoặc PNG.") % {"name": name})
        else:
            upload.seek(0)
            digest = sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            accepted.append((upload, content_type, digest.hexdigest(), requirement))
    if problems:
        raise InvalidInput(_("Tệp đính kèm chưa hợp lệ."), errors={field: problems})
    return accepted


def _too_many_files() -> str:
    return _("Mỗi hồ sơ đính kèm tối đa %(count)s tệp.") % {"count": MAX_ATTACHMENTS}


def document_field(order: int) -> str:
    """Where a required document's files are posted, and its errors named."""
    return f"documents.{order}"


def to_upload(document: RequiredDocument) -> bool:
    """A required document the applicant provides (not taken from a registry or their data store) and must."""
    return document.mandatory and document.reusable_from == RequiredDocument.Source.APPLICANT


def checked_documents(
    procedure: Procedure,
    documents: "Mapping[int, Sequence[File[Any]]]",
    attachments: "Sequence[File[Any]]",
    *,
    online: bool,
) -> list[Checked]:
    """Every file of a submission checked, each required document's under its field, or one InvalidInput
    naming every refused file, and, online, every missing required document, at once. At the desk the
    papers are handed over and checked by the receptionist, so none is missing for want of a file."""
    errors: dict[str, list[str]] = {}
    accepted: list[Checked] = []
    listed = {document.order: document for document in procedure.documents.all()}
    total = sum(len(files) for files in documents.values()) + len(attachments)
    if total > MAX_ATTACHMENTS:
        errors["attachments"] = [_too_many_files()]
    for order, document in listed.items():
        if online and to_upload(document) and not documents.get(order):
            errors[document_field(order)] = [_("Cần đính kèm “%(document)s”.") % {"document": document.name}]
    batches: list[tuple[int | None, Sequence[File[Any]]]] = [*documents.items(), (None, attachments)]
    for requirement, files in batches:
        if requirement is not None and requirement not in listed:
            continue  # not a document of this procedure
        field = "attachments" if requirement is None else document_field(requirement)
        check = partial(checked_attachments, files, requirement=requirement, field=field)
        accepted += gathered(errors, check) or []
    if errors:
        raise InvalidInput(_("Giấy tờ kèm theo chưa đủ hoặc chưa hợp lệ."), errors=errors)
    return accepted


def gathered(errors: dict[str, list[str]], call: Callable[[], T]) -> T | None:
    """The call's answer, or None with its field errors added to `errors`: a form is checked in one round,
    every refusal beside its field, instead of stopping at the first."""
    try:
        return call()
    except (InvalidInput, NotFound) as error:
        found = getattr(error, "errors", None) or error.extra.get("errors") or {"form": [error.message]}
        for field, messages in found.items():
            errors.setdefault(field, []).extend(m for m in messages if m not in errors.get(field, []))
        return None


def missing_documents(procedure: Procedure, answered: Container[int | None]) -> list[str]:
    """The applicant's required documents of `procedure` without a file, by name."""
    return [d.name for d in procedure.documents.all() if to_upload(d) and d.order not in answered]


def summary(errors: dict[str, list[str]]) -> str:
    count = len(errors)
    return _("Hồ sơ chưa hợp lệ: %(count)s mục cần sửa, xem lỗi ở từng mục.") % {"count": count}
