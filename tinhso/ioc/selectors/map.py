"""The commune map: communes coloured by an indicator's rate, open field reports as points."""

from typing import Any, NamedTuple

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    Q,
    Sum,
)
from django.utils.translation import gettext_lazy

from tinhso.core import selectors as core_selectors
from tinhso.core.errors import InvalidInput
from tinhso.core.models import PATH_SEPARATOR, AdminUnit, User
from tinhso.ioc import rules, sql
from tinhso.ioc.models import (
    Counter,
    ReportFact,
)
from tinhso.ioc.periods import Period
from tinhso.ioc.selectors.counters import _bucket
from tinhso.ioc.selectors.scope import _units_under, unit_for


def _map_definition(indicator: str) -> rules.Indicator:
    definition = rules.ALL.get(indicator)
    if definition is None or not definition.denominator:
        raise InvalidInput.on(
            "indicator", gettext_lazy("Bản đồ tô màu theo chỉ số có tỷ lệ (ví dụ 2.1, 3.2, PA.3).")
        )
    return definition


def _commune_buckets(units: list[AdminUnit], communes: list[AdminUnit]) -> dict[int, int]:
    """Each unit to the province's commune it lies in (the first two codes of its path)."""
    by_path = {commune.path: commune.pk for commune in communes}
    buckets = {}
    for unit in units:
        prefix = PATH_SEPARATOR.join(unit.path.split(PATH_SEPARATOR)[:2]) + PATH_SEPARATOR
        if prefix in by_path:
            buckets[unit.pk] = by_path[prefix]
    return buckets


class ReportPoint(NamedTuple):
    """An open field report on the map; the page writes it as an array (up to 2,000 of them), the API by name."""

    code: str
    latitude: float
    longitude: float
    category: str
    overdue: bool


def _map(
    unit: AdminUnit,
    period: Period,
    definition: rules.Indicator,
    communes: list[AdminUnit],
    sums: dict[int, dict[str, int]],
    *,
    reports: bool = True,
) -> dict[str, Any]:
    areas = []
    for commune in communes:
        value = rules.evaluate(definition, sums.get(commune.pk, {}), {})
        areas.append(
            {
                "code": commune.code,
                "name": commune.name,
                "latitude": commune.latitude,
                "longitude": commune.longitude,
                "rate": value.rate,
                "numerator": value.numerator,
                "denominator": value.denominator,
            }
        )
    points = open_report_points(unit, period) if reports else []
    return {"indicator": definition.code, "name": str(definition.name), "communes": areas, "reports": points}


def open_report_points(unit: AdminUnit, period: Period) -> list[ReportPoint]:
    """Up to 2,000 field reports open under the unit (handled there or lying in its communes), overdue at the
    period's end: the same for every sector and indicator the map is coloured by."""
    reports = ReportFact.objects.filter(closed_at__isnull=True).filter(
        core_selectors.under_path(unit.path, "unit__path")
        | core_selectors.under_path(unit.path, "commune__path")
    )
    # Overdue is judged by the database: reading each due time into a datetime cost more than the query.
    overdue = ExpressionWrapper(Q(due_at__lt=period.end), output_field=BooleanField())
    rows = reports.annotate(late=overdue).values_list(
        "tracking_code", "latitude", "longitude", "category", "late"
    )[:2000]
    return [ReportPoint(code, lat, lon, kind, bool(late)) for code, lat, lon, kind, late in rows]


def _mapped_communes(unit: AdminUnit, units: list[AdminUnit]) -> list[AdminUnit]:
    """The communes under the unit with their centre; a unit without any shows the commune it lies in."""
    communes = [u for u in units if u.kind == AdminUnit.Kind.COMMUNE and u.latitude is not None]
    if not communes and unit.kind != AdminUnit.Kind.PROVINCE and unit.parent_id is not None:
        communes = list(AdminUnit.objects.filter(pk=unit.parent_id, kind=AdminUnit.Kind.COMMUNE))
    return communes


def _map_sums(
    unit: AdminUnit, definition: rules.Indicator, period: Period, sector: str, communes: list[AdminUnit]
) -> dict[int, dict[str, int]]:
    """Sums of the indicator's metrics per commune, over the units under the communes."""
    if not communes:
        return {}
    # One prefix for the unit's own communes (grouped by commune below), not one per commune.
    within = [unit] if all(c.path.startswith(unit.path) for c in communes) else communes
    condition = Q()
    for root in within:
        condition |= core_selectors.under_path(root.path, "unit__path")
    counters = Counter.objects.filter(
        condition, period=period.key, metric__in=definition.numerator + definition.denominator
    )
    if sector and definition.group != "PAHT":
        counters = counters.filter(sector=sector)
    grouped = counters.values("unit_id", "unit__path", key=sql.bytewise("metric")).annotate(
        total=Sum("value")
    )
    rows: list[tuple[int, str, str, int]] = list(grouped.values_list("unit_id", "unit__path", "key", "total"))
    by_path = {commune.path: commune.pk for commune in communes}
    buckets: dict[int, int] = {}
    for unit_id, path, _metric, _total in rows:
        prefix = PATH_SEPARATOR.join(path.split(PATH_SEPARATOR)[:2]) + PATH_SEPARATOR
        if prefix in by_path:
            buckets[unit_id] = by_path[prefix]
    return _bucket([(unit_id, metric, total) for unit_id, _path, metric, total in rows], buckets)


def commune_map(
    *, actor: User, unit_code: str = "", period: Period, sector: str = "", indicator: str = "2.1"
) -> dict[str, Any]:
    """Communes at their own centre coordinates, with the indicator's rate; open field reports as points."""
    definition = _map_definition(indicator)
    unit = unit_for(actor, unit_code)
    units = _units_under(unit)
    communes = _mapped_communes(unit, units)
    return _map(unit, period, definition, communes, _map_sums(unit, definition, period, sector, communes))
