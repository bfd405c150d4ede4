"""Formatting for the IOC pages: rates as Vietnamese percentages, links carrying the filters."""

from datetime import datetime
from itertools import chain
from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tinhso.core import caching, display, formats
from tinhso.core.markup import format_html, format_html_join
from tinhso.ioc import rules

register = template.Library()


register.filter("percent", formats.percent)
register.filter("number", formats.figure)


@register.simple_tag
def ioc_url(name: str, **params) -> str:
    """A page of the IOC with the given filters (empty ones left out), so every view has its own URL."""
    query = {key: value for key, value in params.items() if value not in ("", None)}
    return reverse(f"ioc:{name}") + ("?" + urlencode(query) if query else "")


@register.filter
def day_and_time(instant: datetime | None, empty: str = "—") -> str:
    """An instant as dd/mm/yyyy hh:mm in the current time zone, `empty` when there is none."""
    return display.day_and_time(instant, empty)


# The dashboard's tables are written one tag per table: an include or a template loop per row cost a lookup,
# an escape and a render per cell, nearly doubling a fresh render. core.markup escapes every value, as the
# template did; the indicator's first cell is the same on every page of a language, so it is kept.


@caching.memo("ioc.indicator_about", maxsize=256)
def _indicator_about(code: str, language: str | None) -> SafeString:
    """The first cell of an indicator's row in a language: its code, name, formula and scoring rule."""
    i = rules.ALL[code]
    about = format_html("<strong>{}</strong> {}", i.code, i.name)
    if i.formula:
        rule = ""
        if i.points:
            full = {"points": formats.figure(i.points), "full": formats.percent(i.full_at)}
            rule = "; " + _("điểm = %(points)s × min(1, tỷ lệ ÷ %(full)s)") % full
        about += format_html('<br><span class="ioc-formula">{}{}</span>', i.formula, rule)
    if i.source == "none":
        about += format_html('<br><span class="ioc-formula">{} {}</span>', _("Chưa tính được:"), i.reason)
    return about


# One format per row, each cell with its label.
_FIGURES = '<td class="num" data-label="{}">{}</td>' * 4


def _indicator_figures(value: rules.Value, url: str, labels: tuple[str, ...]) -> SafeString:
    i = value.indicator
    if not value.computable:
        cells = ["—", "—", "—", format_html("{} / {}", _("không tính được"), formats.figure(i.points))]
    else:
        numerator, denominator = formats.figure(value.numerator), formats.figure(value.denominator)
        if url:
            numerator = format_html('<a href="{}" data-testid="numerator-{}">{}</a>', url, i.code, numerator)
            if value.denominator is not None:
                denominator = format_html('<a href="{}">{}</a>', url, denominator)
        points = f"{formats.figure(value.points)} / {formats.figure(i.points)}" if i.points else "—"
        cells = [numerator, denominator, formats.percent(value.rate), points]
    return format_html(_FIGURES, *chain.from_iterable(zip(labels, cells, strict=True)))


@register.simple_tag
def indicator_rows(rows: list[dict[str, Any]]) -> SafeString:
    """The rows of one section of the indicators' table: what is counted, then the figures."""
    labels = (_("Tử số"), _("Mẫu số"), _("Tỷ lệ"), _("Điểm"))
    language = get_language()
    return format_html_join(
        "\n",
        "<tr><td>{}</td>{}</tr>",
        (
            (
                _indicator_about(row["value"].indicator.code, language),
                _indicator_figures(row["value"], row["url"], labels),
            )
            for row in rows
        ),
    )


def _ranking_row(line: dict[str, Any]) -> SafeString:
    row, rank = line["row"], line["rank"]
    opening = '<tr class="ioc-unranked">' if rank is None else "<tr>"
    return format_html(
        opening + '<td>{}</td><td><a href="{}">{}</a></td><td class="num">{}</td>'
        '<td class="num"><a href="{}">{}</a></td><td class="num">{}</td><td class="num">{}</td>'
        '<td class="num">{}</td></tr>',
        "—" if rank is None else rank,
        line["url"],
        row.unit.name,
        "—" if rank is None else formats.figure(row.score),
        line["on_time_url"],
        formats.percent(row.on_time.rate),
        formats.percent(row.online.rate),
        formats.percent(row.reports_on_time.rate),
        formats.figure(row.received),
    )


@register.simple_tag
def ranking_rows(lines: list[dict[str, Any]]) -> SafeString:
    """The rows of a ranking: rank, unit, score and the figures behind it."""
    return format_html_join("\n", "{}", ((_ranking_row(line),) for line in lines))


@register.simple_tag
def options(choices: list[tuple[Any, Any]], selected: Any) -> SafeString:
    """A filter's <option>s from (value, label) pairs, the selected one marked."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if value == selected else "", label) for value, label in choices),
    )


@register.simple_tag
def record_rows(rows: list[Any]) -> SafeString:
    """The drill-down's rows: the record, its unit, its dates and how it was judged."""
    return format_html_join(
        "\n",
        '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
        (
            (
                row.url,
                row.code,
                row.title,
                row.unit,
                day_and_time(row.start, ""),
                day_and_time(row.deadline),
                day_and_time(row.end),
                row.verdict,
            )
            for row in rows
        ),
    )
