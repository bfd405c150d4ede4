"""How the platform writes dates, times, numbers and money, in pages, documents, notifications and exports:
dates dd/mm/yyyy in the local time zone, "200.000 đồng" (English: "200,000 dong"). Templates reach these
through the filters of tinhso.web.templatetags.formats (built in: no {% load %} needed)."""

import re
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

EMPTY = "—"
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def day(value: date | datetime | None) -> str:
    """06/12/2026."""
    if value is None or value == "":
        return EMPTY
    return (_local(value) if isinstance(value, datetime) else value).strftime("%d/%m/%Y")


def moment(value: datetime | None, *, seconds: bool = False) -> str:
    """06/12/2026 19:50 (local time)."""
    if value is None or value == "":
        return EMPTY
    if not isinstance(value, datetime):
        return day(value)
    return _local(value).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def _separators() -> tuple[str, str]:
    """(thousands, decimals) of the active language: Vietnamese 1.234,5; English 1,234.5."""
    return (",", ".") if (get_language() or "vi").startswith("en") else (".", ",")


def number(value: int | float | Decimal | None, decimals: int = 0) -> str:
    """1.234.567 or 75,0 (the active language's separators)."""
    if value is None or value == "":
        return EMPTY
    thousands, point = _separators()
    text = f"{Decimal(value):,.{decimals}f}"
    return text.replace(",", "\0").replace(".", point).replace("\0", thousands)


def money(amount: int | float | Decimal | None) -> str:
    """200.000 đồng; "Không thu" for zero is the caller's choice."""
    if amount is None or amount == "":
        return EMPTY
    return _("%(amount)s đồng") % {"amount": number(amount)}


def form_value(value: object) -> str:
    """A value a person typed into a dossier's form, as the pages show it: ISO dates as dd/mm/yyyy, yes/no
    in words, lists joined; other text as it is."""
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, list):
        return ", ".join(form_value(item) for item in value)
    if isinstance(value, datetime | date):
        return moment(value) if isinstance(value, datetime) else day(value)
    if isinstance(value, str):
        if match := _ISO_DATE.match(value):
            return f"{match[3]}/{match[2]}/{match[1]}"
        if _ISO_MOMENT.match(value):
            try:
                return moment(datetime.fromisoformat(value))
            except ValueError:
                return value
    return "" if value is None else str(value)


def export_cell(value: object) -> object:
    """A CSV cell: dates and instants as the pages write them, with seconds for instants."""
    if isinstance(value, datetime):
        return moment(value, seconds=True)
    if isinstance(value, date):
        return day(value)
    return value


def percent(rate: float | None) -> str:
    """A rate as the service index writes it in every language: 92,1%."""
    if rate is None:
        return EMPTY
    return f"{rate * 100:.1f}%".replace(".", ",")


def figure(value: float | None) -> str:
    """A count or a score as the service index writes it in every language: 1.234, 85,25."""
    if value is None:
        return EMPTY
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:.2f}".replace(".", ",")
