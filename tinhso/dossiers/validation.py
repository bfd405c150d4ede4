"""Checks form data against a procedure's JSON Schema, with each error in Vietnamese beside its field."""

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

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


def form_errors(schema: dict, data: object) -> dict[str, list[str]]:
    """{field: [Vietnamese messages]} for every way `data` breaks `schema`; empty when it conforms."""
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        message = _message(error)
        for field in _fields(error):
            if message not in errors.setdefault(field, []):
                errors[field].append(message)
    return errors
