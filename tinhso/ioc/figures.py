"""The dashboard's figures as its page writes them (issue 25): built from selectors.dashboard once per rollup
state and view, kept on the shared cache, and laid out by the templates for each request. Every value is
display text already (escaped where it goes into HTML), and holds no model: a render only lays out markup,
and a process reading the figures from Redis unpickles plain strings."""

from datetime import datetime, timedelta
from typing import Any, TypedDict
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tinhso.core import caching, formats
from tinhso.core.markup import escaped, format_html
from tinhso.core.models import AdminUnit
from tinhso.ioc import periods, rules, selectors
from tinhso.ioc.models import Alert
from tinhso.ioc.templatetags.ioc_tags import ioc_url


class Unit(TypedDict):
    code: str
    name: str


class Card(TypedDict):
    unit: Unit
    period: dict[str, str]  # key, label
    sector: str
    score: str
    computable_points: str
    score_note: str  # the period and the points the score is over


# A group's tile: its code, name, score, points and how many of them have data ("" when all have).
Tile = tuple[str, str, str, str, str]


# An indicator's row: its first cell (code, name, formula), then numerator, denominator, rate and points.
IndicatorRow = tuple[SafeString, str, str, str, str]


class Section(TypedDict):
    id: str  # "" for the indicators outside the score
    title: str
    rows: list[IndicatorRow]


# A ranking's row: its opening tag, rank, unit's link and name, score, on-time link and rate, online rate,
# reports on time, records received.
RankingRow = tuple[str, ...]


class Ranking(TypedDict):
    ranked: list[RankingRow]
    without_data: list[RankingRow]


# A filter's option: its value as compared with the one chosen, then its value and label escaped.
Option = tuple[str, str, str]


class Figures(TypedDict):
    card: Card
    as_of: SafeString  # when the rollups last moved
    as_of_note: SafeString  # "data as of" that time, under each part of the page
    tiles: list[Tile]
    sections: list[Section]
    agencies: Ranking
    communes: Ranking
    trend_drill: str  # the trend's months link to the dashboard of that month
    trend_json: SafeString
    map: dict[str, str]  # indicator, name
    map_drill: str  # the map's communes link to their dashboard
    map_json: SafeString
    map_reports: SafeString
    alerts: list[dict[str, Any]]
    ancestors: list[Unit]
    unit_options: list[Option]
    period_options: list[Option]
    sector_options: list[Option]
    map_options: list[Option]


def of(
    page: selectors.Dashboard,
    *,
    map_indicator: str,
    map_reports: SafeString,
    alerts: list[Alert],
    now: datetime,
) -> Figures:
    """The figures of a dashboard as its page writes them, in the active language."""
    card = page.card
    as_of = (
        timezone.localtime(card.data_as_of).strftime("%H:%M:%S %d/%m/%Y") if card.data_as_of else _("chưa có")
    )
    return {
        "card": _card(card),
        "as_of": SafeString(escaped(as_of)),
        "as_of_note": SafeString(escaped(f"{_('Dữ liệu đến')} {as_of}")),
        "tiles": [_tile(group) for group in card.groups],
        "sections": _sections(card),
        "agencies": _ranking(page.agencies, card),
        "communes": _ranking(page.communes, card),
        "trend_drill": _dashboard_url(unit=card.unit.code, sector=card.sector, map=map_indicator),
        "trend_json": json_script(page.trend, "ioc-trend-data"),
        "map": {"indicator": page.map["indicator"], "name": page.map["name"]},
        "map_drill": _dashboard_url(period=card.period.key, sector=card.sector, map=map_indicator),
        "map_json": json_script(page.map, "ioc-map-data"),
        "map_reports": map_reports,
        "alerts": [_alert(alert) for alert in alerts],
        "ancestors": [_unit(unit) for unit in page.ancestors],
        "unit_options": _options((unit.code, unit.name) for unit in page.unit_choices),
        "period_options": _options(_period_choices(now, card.period)),
        "sector_options": _options((sector, sector) for sector in page.sectors),
        "map_options": _options(
            (code, f"{code} · {i.name}") for code, i in rules.ALL.items() if i.denominator
        ),
    }


def _unit(unit: AdminUnit) -> Unit:
    return {"code": unit.code, "name": unit.name}


def _card(card: selectors.Scorecard) -> Card:
    computable = formats.figure(card.computable_points)
    return {
        "unit": _unit(card.unit),
        "period": {"key": card.period.key, "label": card.period.label()},
        "sector": card.sector,
        "score": escaped(formats.figure(card.score)),
        "computable_points": escaped(computable),
        # The translation unescaped, as blocktranslate writes it
        "score_note": _(
            "%(period)s; trên %(points)s điểm của các chỉ số có dữ liệu (đủ dữ liệu thì tối đa 100 điểm)."
        )
        % {"period": escaped(card.period.label()), "points": escaped(computable)},
    }


def _tile(group: selectors.Group) -> Tile:
    note = ""
    if group.computable_points < group.points:
        # The translation unescaped, as blocktranslate writes it
        note = _("Có dữ liệu cho %(points)s điểm.") % {
            "points": escaped(formats.figure(group.computable_points))
        }
    score, points = formats.figure(group.score), formats.figure(group.points)
    return group.code, escaped(group.name), escaped(score), escaped(points), note


def _alert(alert: Alert) -> dict[str, Any]:
    return {
        "unit": {"name": alert.unit.name},
        "rule": {"indicator": alert.rule.indicator, "threshold": alert.rule.threshold},
        "rate": alert.rate,
        "period": alert.period,
    }


def _options(choices: Any) -> list[Option]:
    return [(str(value), escaped(value), escaped(label)) for value, label in choices]


def _period_choices(now: datetime, selected: periods.Period) -> list[tuple[str, str]]:
    current = periods.of(now)
    months = current.previous_months(12)[::-1]
    quarters = [periods.of(now, "quarter")]
    for _step in range(3):
        quarters.append(periods.of(quarters[-1].start - timedelta(days=1), "quarter"))
    years = [periods.of(now, "year"), periods.Period(now.year - 1, 1, 12)]
    choices = months + quarters + years
    if selected not in choices:
        choices.insert(0, selected)
    return [(p.key, p.label()) for p in choices]


def _dashboard_url(**params: str) -> str:
    """The dashboard with the given filters (empty ones left out), as the ioc_url tag writes it."""
    return ioc_url("dashboard", **params)


def query_tail(**params: str) -> str:
    """`&key=value` for each filter given, as urlencode writes it: what follows the first one in a row's links."""
    query = urlencode({key: value for key, value in params.items() if value})
    return "&" + query if query else ""


def _sections(card: selectors.Scorecard) -> list[Section]:
    """The scorecard's groups, then the indicators followed outside the score, with their records' links."""
    records_url = reverse("ioc:records")
    tail = query_tail(unit=card.unit.code, period=card.period.key, sector=card.sector)

    def rows(values: list[rules.Value]) -> list[IndicatorRow]:
        return [
            _indicator_row(
                value,
                f"{records_url}?{urlencode({'indicator': value.indicator.code})}{tail}"
                if value.indicator.drill
                else "",
            )
            for value in values
        ]

    sections: list[Section] = [
        {
            "id": f"group-{group.code}",
            "title": escaped(
                f"{group.name} ({formats.figure(group.score)} / {formats.figure(group.points)})"
            ),
            "rows": rows(group.values),
        }
        for group in card.groups
    ]
    extra = escaped(_("Chỉ số theo dõi thêm (không tính điểm)"))
    return [*sections, {"id": "", "title": extra, "rows": rows(card.extra)}]


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


def _indicator_row(value: rules.Value, url: str) -> IndicatorRow:
    """What an indicator's row shows: what is counted, then its figures (linked to its records by `url`)."""
    i = value.indicator
    about = _indicator_about(i.code, get_language())
    if not value.computable:
        return about, "—", "—", "—", format_html("{} / {}", _("không tính được"), formats.figure(i.points))
    numerator, denominator = formats.figure(value.numerator), formats.figure(value.denominator)
    if url:
        numerator = format_html('<a href="{}" data-testid="numerator-{}">{}</a>', url, i.code, numerator)
        if value.denominator is not None:
            denominator = format_html('<a href="{}">{}</a>', url, denominator)
    points = f"{formats.figure(value.points)} / {formats.figure(i.points)}" if i.points else "—"
    return (
        about,
        escaped(numerator),
        escaped(denominator),
        escaped(formats.percent(value.rate)),
        escaped(points),
    )


def _ranking(rows: list[selectors.RankRow], card: selectors.Scorecard) -> Ranking:
    """The ranked units, best first, then those without records in the period, by name."""
    dashboard_url, records_url = reverse("ioc:dashboard"), reverse("ioc:records")
    tail = query_tail(period=card.period.key, sector=card.sector)
    ranking: Ranking = {"ranked": [], "without_data": []}
    for row in rows:
        unit = urlencode({"unit": row.unit.code})
        lines = ranking["ranked"] if row.has_data else ranking["without_data"]
        rank = len(lines) + 1 if row.has_data else None
        lines.append(
            (
                '<tr class="ioc-unranked">' if rank is None else "<tr>",
                "—" if rank is None else str(rank),
                escaped(f"{dashboard_url}?{unit}{tail}"),
                escaped(row.unit.name),
                "—" if rank is None else escaped(formats.figure(row.score)),
                escaped(f"{records_url}?indicator=2.1&{unit}{tail}"),
                escaped(formats.percent(row.on_time.rate)),
                escaped(formats.percent(row.online.rate)),
                escaped(formats.percent(row.reports_on_time.rate)),
                escaped(formats.figure(row.received)),
            )
        )
    return ranking
