"""Validation of citizen identification numbers (Circular 07/2016/TT-BCA, 12 digits)."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tinhso.core import caching

_CITIZEN_ID = re.compile(r"\d{12}")
# The 4th digit gives sex and century: even male, odd female; 0-1 the 1900s, 2-3 the 2000s, ...
_CENTURY_BY_DIGIT = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100, 6: 2200, 7: 2200, 8: 2300, 9: 2300}


@caching.memo("core.birth_province_codes", maxsize=1)
def birth_province_codes() -> frozenset[str]:
    """The 63 pre-2025 provincial codes (place of birth codes never change with the 2025 reform)."""
    from vietnamadminunits.database import query

    rows = query("SELECT DISTINCT provinceCode FROM admin_units_legacy")
    return frozenset(row["provinceCode"] for row in rows)


def validate_citizen_id(value: str, *, birth_date: date | None = None, sex: str | None = None) -> str:
    """Returns the normalised ID or raises ValidationError naming the value and what is wrong."""
    citizen_id = (value or "").strip()
    if not _CITIZEN_ID.fullmatch(citizen_id):
        raise ValidationError(
            _("Số định danh cá nhân “%(value)s” phải gồm đúng 12 chữ số."),
            code="citizen_id_format",
            params={"value": value},
        )
    if citizen_id[1:3] not in birth_province_codes() or citizen_id[0] != "0":
        raise ValidationError(
            _("Số định danh cá nhân “%(value)s” có mã tỉnh nơi đăng ký khai sinh “%(code)s” không tồn tại."),
            code="citizen_id_province",
            params={"value": value, "code": citizen_id[:3]},
        )
    digit = int(citizen_id[3])
    if birth_date is not None:
        year = _CENTURY_BY_DIGIT[digit] + int(citizen_id[4:6])
        if year != birth_date.year:
            raise ValidationError(
                _("Số định danh cá nhân “%(value)s” không khớp với năm sinh %(year)s."),
                code="citizen_id_birth_year",
                params={"value": value, "year": birth_date.year},
            )
    if sex is not None and ("F" if digit % 2 else "M") != sex:
        raise ValidationError(
            _("Số định danh cá nhân “%(value)s” không khớp với giới tính."),
            code="citizen_id_sex",
            params={"value": value},
        )
    return citizen_id


def citizen_id_prefix(*, birth_province_code: str, birth_date: date, sex: str) -> str:
    """The first six digits of a citizen ID for this person (the rest is a serial number)."""
    century_digit = (birth_date.year // 100 - 19) * 2 + (1 if sex == "F" else 0)
    return f"0{birth_province_code}{century_digit}{birth_date.year % 100:02d}"
