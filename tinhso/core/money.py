"""Amounts of money in đồng: one bound for every money field, so no fee, tax or payment request outgrows
the columns (twelve digits) or the gateways that will carry it."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import InvalidInput

# Just under one thousand billion đồng: above any fee or tax one dossier can owe, within DECIMAL(12, 0).
MAX_AMOUNT = 999_999_999_999


def checked_amount(value: int | Decimal, *, field: str, allow_zero: bool = False) -> int | Decimal:
    """The amount, or InvalidInput naming the field when it is not a whole number of đồng in range."""
    floor = 0 if allow_zero else 1
    try:
        whole = value == int(value)
    except (ValueError, OverflowError):  # Decimal NaN and Infinity
        whole = False
    if not whole or not floor <= value <= MAX_AMOUNT:
        raise InvalidInput.on(
            field,
            _("Số tiền phải là số đồng nguyên từ %(floor)s đến %(ceiling)s đồng."),
            params={"floor": f"{floor:,}".replace(",", "."), "ceiling": f"{MAX_AMOUNT:,}".replace(",", ".")},
            code="amount_out_of_range",
        )
    return value
