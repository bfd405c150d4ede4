"""Formatting for the IOC pages: rates as Vietnamese percentages, links carrying the filters."""

from datetime import datetime
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from tinhso.core import display

register = template.Library()


@register.filter
def percent(rate: float | None) -> str:
    if rate is None:
        return "—"
    return f"{rate * 100:.1f}%".replace(".", ",")


@register.filter
def number(value: float | None) -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:.2f}".replace(".", ",")


@register.simple_tag
def ioc_url(name: str, **params) -> str:
    """A page of the IOC with the given filters (empty ones left out), so every view has its own URL."""
    query = {key: value for key, value in params.items() if value not in ("", None)}
    return reverse(f"ioc:{name}") + ("?" + urlencode(query) if query else "")


@register.filter
def day_and_time(instant: datetime | None, empty: str = "—") -> str:
    """An instant as dd/mm/yyyy hh:mm in the current time zone, `empty` when there is none."""
    return display.day_and_time(instant, empty)
