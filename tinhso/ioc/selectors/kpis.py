"""The scorecard: every indicator of the service index and the field-report KPIs for a unit and period."""

from dataclasses import dataclass, field
from datetime import datetime

from tinhso.core.models import AdminUnit, User
from tinhso.ioc import rules
from tinhso.ioc.periods import Period
from tinhso.ioc.selectors.catalog import CatalogRow, catalog_counts
from tinhso.ioc.selectors.counters import counter_sums
from tinhso.ioc.selectors.scope import _NOT_READ, data_as_of, unit_for


@dataclass
class Group:
    code: str
    name: str
    points: float
    score: float = 0.0
    computable_points: float = 0.0
    values: list[rules.Value] = field(default_factory=list[rules.Value])


@dataclass
class Scorecard:
    unit: AdminUnit
    period: Period
    sector: str
    groups: list[Group]
    extra: list[rules.Value]
    data_as_of: datetime | None

    @property
    def score(self) -> float:
        return round(sum(group.score for group in self.groups), 2)

    @property
    def computable_points(self) -> float:
        return sum(group.computable_points for group in self.groups)

    def value(self, code: str) -> rules.Value:
        for value in [v for group in self.groups for v in group.values] + self.extra:
            if value.indicator.code == code:
                return value
        raise KeyError(code)


def _scorecard(
    unit: AdminUnit,
    period: Period,
    sector: str,
    *,
    sums: dict[str, int] | None = None,
    report_sums: dict[str, int] | None = None,
    catalog: list[CatalogRow] | None = None,
    as_of: object = _NOT_READ,
) -> Scorecard:
    """The index from the unit's sums (read here unless given); field reports have no sector, so their KPIs
    read `report_sums`, the sums over every sector."""
    if sums is None:
        sums = counter_sums(unit=unit, period=period.key, sector=sector)
    if report_sums is None:
        report_sums = counter_sums(unit=unit, period=period.key) if sector else sums
    counts = catalog_counts(unit=unit, sector=sector, rows=catalog)
    groups = []
    for code, name, points in rules.GROUPS:
        group = Group(code=code, name=str(name), points=points)
        for indicator in rules.INDICATORS:
            if indicator.group != code:
                continue
            value = rules.evaluate(indicator, sums, counts)
            group.values.append(value)
            if value.computable:
                group.score += value.points or 0.0
                group.computable_points += indicator.points
        group.score = round(group.score, 2)
        groups.append(group)
    extra = [rules.evaluate(i, report_sums if i.group == "PAHT" else sums, counts) for i in rules.EXTRA]
    return Scorecard(
        unit=unit,
        period=period,
        sector=sector,
        groups=groups,
        extra=extra,
        data_as_of=as_of if as_of is None or isinstance(as_of, datetime) else data_as_of(),
    )


def scorecard(*, actor: User, unit_code: str = "", period: Period, sector: str = "") -> Scorecard:
    """Every indicator of the service index and the field-report KPIs for a unit and a period."""
    return _scorecard(unit_for(actor, unit_code), period, sector)


def indicator_value(
    *, unit: AdminUnit, period: Period, sector: str, indicator: rules.Indicator
) -> rules.Value:
    """One indicator as the scorecard computes it, reading only its own metrics (or the catalog)."""
    if indicator.source == "catalog":
        return rules.evaluate(indicator, {}, catalog_counts(unit=unit, sector=sector))
    # The composite and the mixed read metrics rules.evaluate names itself: all of them are read.
    named = indicator.source not in ("composite", "mixed")
    metrics = indicator.numerator + indicator.denominator if named else ()
    # Field reports have no sector: their KPIs ignore the sector filter, as on the scorecard.
    sums = counter_sums(
        unit=unit, period=period.key, sector="" if indicator.group == "PAHT" else sector, metrics=metrics
    )
    catalog = catalog_counts(unit=unit, sector=sector) if indicator.source == "mixed" else {}
    return rules.evaluate(indicator, sums, catalog)
