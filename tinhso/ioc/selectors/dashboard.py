"""The dashboard: its parts read together, what they share read once."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tinhso.core.models import PATH_SEPARATOR, AdminUnit, User
from tinhso.ioc.periods import Period
from tinhso.ioc.selectors.catalog import _recent_catalog_rows
from tinhso.ioc.selectors.counters import _bucket, _split, _summed, _unit_sums
from tinhso.ioc.selectors.kpis import Scorecard, _scorecard
from tinhso.ioc.selectors.map import _commune_buckets, _map, _map_definition, _map_sums, _mapped_communes
from tinhso.ioc.selectors.rankings import RankRow, _children_buckets, _is_ranked, _rank
from tinhso.ioc.selectors.scope import _units_under, root_units, unit_for
from tinhso.ioc.selectors.trend import _every_sector, _trend


@dataclass
class Dashboard:
    card: Scorecard
    agencies: list[RankRow]
    communes: list[RankRow]
    trend: list[dict[str, Any]]
    map: dict[str, Any]
    sectors: list[str]
    unit_choices: list[AdminUnit]
    ancestors: list[AdminUnit]


def dashboard(
    *,
    actor: User,
    unit_code: str = "",
    period: Period,
    sector: str = "",
    map_indicator: str = "2.1",
    roots: list[AdminUnit] | None = None,
    as_of: datetime | None = None,
    report_points: bool = True,
) -> Dashboard:
    """The dashboard's figures, reading what its parts share once: the leader's roles, the units under the
    unit, one grouped counter query for the score, both rankings and the map, and the catalog; without the
    map's open reports when the caller has them (`report_points=False`). The alerts come from alerts_for."""
    roots = root_units(actor) if roots is None else roots
    unit = unit_for(actor, unit_code, roots=roots)
    definition = _map_definition(map_indicator)
    units = _units_under(unit)
    rows = _unit_sums(unit, period.key, sector)
    by_child, sums = _split(rows, _children_buckets(unit, units))
    every_sector = _unit_sums(unit, period.key) if sector else rows
    report_sums = _summed(every_sector) if sector else sums
    catalog = _recent_catalog_rows()
    card = _scorecard(
        unit,
        period,
        sector,
        sums=sums,
        report_sums=report_sums,
        catalog=catalog,
        as_of=as_of,
    )
    children = [u for u in units if u.parent_id == unit.pk]
    communes = _mapped_communes(unit, units)
    map_rows = every_sector if definition.group == "PAHT" else rows
    if map_rows is rows and all(_is_province_commune_under(commune, unit) for commune in communes):
        map_sums = by_child  # the communes are the unit's children: their sums are the ranking's
    elif all(commune.path.startswith(unit.path) for commune in communes):
        map_sums = _bucket(map_rows, _commune_buckets(units, communes))
    else:  # a unit outside any commune's subtree is shown on the map of the commune it lies in
        map_sums = _map_sums(unit, definition, period, sector, communes)
    return Dashboard(
        card=card,
        agencies=_rank([c for c in children if _is_ranked(c, "agencies")], by_child, catalog, sector),
        communes=_rank([c for c in children if _is_ranked(c, "communes")], by_child, catalog, sector),
        trend=_trend(unit, period, sector, known=_known_month(period, sums, report_sums)),
        map=_map(unit, period, definition, communes, map_sums, reports=report_points),
        sectors=list(dict.fromkeys(row.sector for row in catalog)),
        unit_choices=_unit_choices(unit, units, roots),
        ancestors=ancestors(unit, roots),
    )


def _known_month(
    period: Period, sums: dict[str, int], report_sums: dict[str, int]
) -> dict[str, dict[str, int]]:
    """The sums of a month the dashboard shows, as its trend reads a month: the trend need not read it again."""
    if period.months != 1:
        return {}
    metrics = sums.keys() | report_sums.keys()
    return {period.key: {m: (report_sums if _every_sector(m) else sums).get(m, 0) for m in metrics}}


def _is_province_commune_under(commune: AdminUnit, unit: AdminUnit) -> bool:
    """Whether the commune is a child of the unit and, like every commune on the map, the child of a root
    (the map groups units by the first two codes of their path)."""
    return commune.parent_id == unit.pk and commune.path.count(PATH_SEPARATOR) == 2


def _unit_choices(unit: AdminUnit, units: list[AdminUnit], roots: list[AdminUnit]) -> list[AdminUnit]:
    """The user's top units, each followed by its agencies and communes, and the unit shown if elsewhere."""
    if [root.pk for root in roots] == [unit.pk]:
        known = units
    else:
        known = list(AdminUnit.objects.filter(parent__in=roots).order_by("name"))
    choices = []
    for root in roots:
        children = [u for u in known if u.parent_id == root.pk]
        choices += [root, *[c for c in children if _is_ranked(c, "agencies")]]
        choices += [c for c in children if _is_ranked(c, "communes")]
    return choices if unit in choices else [unit, *choices]


def ancestors(unit: AdminUnit, roots: list[AdminUnit]) -> list[AdminUnit]:
    """The path from the user's top unit down to `unit`, for the breadcrumb: one query for any depth."""
    if any(root.pk == unit.pk for root in roots):
        return [unit]
    codes = [code for code in unit.path.split(PATH_SEPARATOR) if code][:-1]
    above = sorted(AdminUnit.objects.filter(code__in=codes), key=lambda u: u.path.count(PATH_SEPARATOR))
    chain = [*above, unit]
    root_pks = {root.pk for root in roots}
    starts = [index for index, u in enumerate(chain) if u.pk in root_pks]
    return chain[starts[-1] :] if starts else chain
