"""Rankings of the units under a unit, best score first."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from tinhso.catalog.models import Procedure
from tinhso.core.errors import InvalidInput
from tinhso.core.models import PATH_SEPARATOR, AdminUnit, User
from tinhso.ioc import rules
from tinhso.ioc.periods import Period
from tinhso.ioc.selectors.catalog import CatalogRow, _holds_committees, _tally, catalog_rows
from tinhso.ioc.selectors.counters import _bucket, _unit_sums
from tinhso.ioc.selectors.scope import _units_under, unit_for


@dataclass
class RankRow:
    unit: AdminUnit
    score: float
    on_time: rules.Value
    online: rules.Value
    reports_on_time: rules.Value
    received: int
    # Whether any dossier counted in the unit's scored indicators: a unit without one would score the
    # points of "nothing to count", so it is listed apart and not ranked.
    has_data: bool = True


def _is_ranked(unit: AdminUnit, kind: str) -> bool:
    return (unit.kind == AdminUnit.Kind.COMMUNE) == (kind == "communes")


def _check_kind(kind: str) -> None:
    if kind not in ("agencies", "communes"):
        raise InvalidInput(
            gettext_lazy("Xếp hạng theo “agencies” (cơ quan) hoặc “communes” (xã, phường)."),
            errors={"kind": [gettext_lazy("Giá trị không hợp lệ.")]},
        )


def _children_buckets(parent: AdminUnit, units: list[AdminUnit]) -> dict[int, int]:
    """Each unit under `parent` (below it) to the child of `parent` it lies under."""
    depth = parent.path.count(PATH_SEPARATOR) + 1
    children = {unit.path: unit.pk for unit in units if unit.parent_id == parent.pk}
    buckets = {}
    for unit in units:
        prefix = PATH_SEPARATOR.join(unit.path.split(PATH_SEPARATOR)[:depth]) + PATH_SEPARATOR
        if prefix in children:
            buckets[unit.pk] = children[prefix]
    return buckets


# The indicators a unit's score adds up: those without data (source "none") never score. Those read from the
# catalog score the same for every unit deciding the same procedures.
_SCORED = tuple(indicator for indicator in rules.INDICATORS if rules.Value(indicator).computable)


_SCORED_BY_CATALOG = tuple(indicator for indicator in _SCORED if indicator.source == "catalog")


_SCORED_BY_COUNTERS = tuple(indicator for indicator in _SCORED if indicator.source != "catalog")


def _catalog_points(decided: list[CatalogRow]) -> tuple[float, dict[str, tuple[int, int]]]:
    """The catalog indicators' points, and the counts the mixed indicators read."""
    counts = _tally(decided)
    return sum(rules.evaluate(i, {}, counts).points or 0 for i in _SCORED_BY_CATALOG), counts


def _rank(
    children: list[AdminUnit], sums: dict[int, dict[str, int]], catalog: list[CatalogRow], sector: str
) -> list[RankRow]:
    """The children with data, best score first, then those without data in the period, by name."""
    catalog = [row for row in catalog if not sector or row.sector == sector]
    communes_decide = [row for row in catalog if row.level == Procedure.Level.COMMUNE]
    agencies_decide = [row for row in catalog if row.level == Procedure.Level.PROVINCE]
    # Children deciding the same procedures share their catalog points: every commune, most agencies.
    shared: dict[tuple[bool, tuple[int, ...]], tuple[float, dict[str, tuple[int, int]]]] = {}
    result = []
    for child in children:
        child_sums = sums.get(child.pk, {})
        committees = _holds_committees(child)
        own = tuple(i for i, row in enumerate(agencies_decide) if row.authority_path.startswith(child.path))
        decided_points = shared.get((committees, own))
        if decided_points is None:
            decided = (communes_decide if committees else []) + [agencies_decide[i] for i in own]
            decided_points = shared[(committees, own)] = _catalog_points(decided)
        catalog_points, counts = decided_points
        # The score is the indicators' points; of those followed outside it, the ranking shows PA.3 only.
        values = {i.code: rules.evaluate(i, child_sums, counts) for i in _SCORED_BY_COUNTERS}
        total = round(catalog_points + sum(v.points for v in values.values() if v.points is not None), 2)
        result.append(
            RankRow(
                unit=child,
                score=total,
                on_time=values["2.1"],
                online=values["3.2"],
                reports_on_time=rules.evaluate(rules.ALL["PA.3"], child_sums, {}),
                received=child_sums.get("received", 0),
                has_data=any(v.denominator for v in values.values() if v.indicator.source != "mixed"),
            )
        )
    result.sort(
        key=lambda row: (
            not row.has_data,
            -row.score if row.has_data else 0,
            -(row.on_time.rate or 0),
            row.unit.name,
        )
    )
    return result


def ranking(
    *, actor: User, unit_code: str = "", period: Period, sector: str = "", kind: str = "agencies"
) -> list[RankRow]:
    """The units under the unit, best score first; one grouped counter query for all of them."""
    _check_kind(kind)
    parent = unit_for(actor, unit_code)
    units = _units_under(parent)
    children = [unit for unit in units if unit.parent_id == parent.pk and _is_ranked(unit, kind)]
    sums = _bucket(_unit_sums(parent, period.key, sector), _children_buckets(parent, units))
    return _rank(children, sums, catalog_rows(), sector)
