"""Checks form data against a procedure's JSON Schema, with each error in Vietnamese beside its field."""

from hashlib import sha256

from django.core.files.base import File
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from tinhso.core.errors import InvalidInput

MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Types are told by the file's first bytes, never by its name or the browser's claim.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)

TYPE_NAMES = {
    "string": "chuỗi ký tự",
    "integer": "số nguyên",
    "number": "số",
    "boolean": "đúng hoặc sai",
    "object": "nhóm thông tin",
    "array": "danh sách",
}
FORMAT_NAMES = {"date": "ngày (năm-tháng-ngày)", "email": "địa chỉ thư điện tử", "date-time": "thời điểm"}


def _message(error: ValidationError) -> str:
    value = error.validator_value
    match error.validator:
        case "required":
            return "Cần nhập thông tin này."
        case "type":
            names = value if isinstance(value, list) else [value]
            return "Phải là " + " hoặc ".join(TYPE_NAMES.get(name, name) for name in names) + "."
        case "minLength":
            return "Cần nhập thông tin này." if value == 1 else f"Cần ít nhất {value} ký tự."
        case "maxLength":
            return f"Không quá {value} ký tự."
        case "pattern":
            return "Không đúng định dạng."
        case "format":
            return f"Phải là {FORMAT_NAMES.get(value, value)} hợp lệ."
        case "enum":
            return "Phải là một trong: " + ", ".join(str(option) for option in value) + "."
        case "minimum":
            return f"Không được nhỏ hơn {value}."
        case "exclusiveMinimum":
            return f"Phải lớn hơn {value}."
        case "maximum":
            return f"Không được lớn hơn {value}."
        case "exclusiveMaximum":
            return f"Phải nhỏ hơn {value}."
        case "additionalProperties":
            return "Thông tin này không có trong biểu mẫu."
        case _:
            return "Giá trị không hợp lệ."


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
_validators: dict[int, tuple[dict, Draft202012Validator]] = {}
_MAX_VALIDATORS = 256


def _validator(schema: dict) -> Draft202012Validator:
    cached = _validators.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    if len(_validators) >= _MAX_VALIDATORS:
        _validators.clear()
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    _validators[id(schema)] = (schema, validator)  # holding the schema keeps its id from being reused
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


def checked_attachments(files: list[File], *, already: int = 0) -> list[tuple[File, str, str]]:
    """(file, content type, SHA-256) for each upload, or InvalidInput naming every refused file and why."""
    problems = []
    if already + len(files) > MAX_ATTACHMENTS:
        problems.append(f"Mỗi hồ sơ đính kèm tối đa {MAX_ATTACHMENTS} tệp.")
    accepted = []
    for upload in files:
        name = upload.name or "tệp"
        upload.seek(0)
        head = upload.read(16)
        content_type = next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)
        if upload.size > MAX_ATTACHMENT_BYTES:
            problems.append(f"“{name}” lớn hơn {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.")
        elif content_type is None:
            problems.append(f"“{name}” không phải tệp PDF, JPEG hoặc PNG.")
        else:
            upload.seek(0)
            digest = sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            accepted.append((upload, content_type, digest.hexdigest()))
    if problems:
        raise InvalidInput("Tệp đính kèm chưa hợp lệ.", errors={"attachments": problems})
    return accepted
