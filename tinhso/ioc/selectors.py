"""Reads of the IOC, scoped like the pages: a province leader sees the province, a unit leader their units.
KPIs read the counters (a few rows per unit and period), never the dossiers themselves."""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Cast, Collate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.catalog.models import Procedure, ProcessStep, RequiredDocument
from tinhso.core import caching, formats, permissions
from tinhso.core import selectors as core_selectors
from tinhso.core.display import url_of
from tinhso.core.errors import Forbidden, InvalidInput, NotFound
from tinhso.core.models import PATH_SEPARATOR, AdminUnit, Domain, User
from tinhso.dossiers.models import Channel, Rating, Status
from tinhso.ioc import periods, rules, sql
from tinhso.ioc.models import (
    STATE_NAME,
    Alert,
    ConsumerState,
    Counter,
    CounterTotal,
    DossierFact,
    ReportFact,
)
from tinhso.ioc.periods import Period

IOC_ROLES = tuple(sorted(permissions.roles_for(Domain.OPERATIONS, "view")))  # core.permissions.MATRIX
PAGE_SIZE = 50  # rows of a drill-down page; the CSV and Excel exports hold them all


# ---- scope ------------------------------------------------------------------------------------------


def may_see_ioc(user: User) -> bool:
    return user.is_authenticated and any(
        assignment.role in IOC_ROLES
        for assignment in core_selectors.active_roles(user, domain=Domain.OPERATIONS)
    )


def root_units(user: User) -> list[AdminUnit]:
    """The highest units the user leads (the province for a province leader)."""
    if not user.is_authenticated:
        raise Forbidden(gettext_lazy("Cần đăng nhập bằng tài khoản lãnh đạo."), code="ioc_forbidden")
    units = sorted(
        {a.unit for a in core_selectors.active_roles(user, domain=Domain.OPERATIONS) if a.role in IOC_ROLES},
        key=lambda unit: unit.path,
    )
    roots = [
        unit
        for unit in units
        if not any(unit.path.startswith(other.path) and unit != other for other in units)
    ]
    if not roots:
        raise Forbidden(
            gettext_lazy("Trung tâm điều hành dành cho lãnh đạo tỉnh và lãnh đạo đơn vị."),
            code="ioc_forbidden",
        )
    return roots


def unit_for(user: User, code: str = "", *, roots: list[AdminUnit] | None = None) -> AdminUnit:
    """The unit asked for, if the user leads it or a unit above it; their first unit when none is asked.
    `roots` are the user's root_units when the caller has read them already."""
    roots = root_units(user) if roots is None else roots
    if not code:
        return roots[0]
    unit = AdminUnit.objects.filter(code=code).first()
    if unit is None:
        raise NotFound(
            gettext_lazy("Không tìm thấy đơn vị có mã “%(code)s”."),
            code="unit_not_found",
            params={"code": code},
            value=code,
        )
    # The units a leader follows are those under the units they lead, i.e. under one of their roots.
    if not any(unit.path.startswith(root.path) for root in roots):
        raise Forbidden(
            gettext_lazy("Anh/chị không theo dõi số liệu của đơn vị này."), code="ioc_unit_forbidden"
        )
    return unit


def period_or_current(key: str, now: datetime) -> Period:
    return periods.parse(key) if key else periods.of(now)


# The administrative map changes when it is reloaded: building a province's 137 units took a dashboard longer
# than summing its counters. Each process keeps the units under a unit a minute.
_UNITS_UNDER = caching.Kept("ioc.units_under", seconds=60.0)


def _units_under(unit: AdminUnit) -> list[AdminUnit]:
    """The unit and every unit under it, by name, as this process read them less than a minute ago."""
    return list(_UNITS_UNDER.get(unit.path, lambda: list(core_selectors.units_under(unit).order_by("name"))))


# ---- counters ---------------------------------------------------------------------------------------


def state() -> ConsumerState | None:
    return ConsumerState.objects.filter(name=STATE_NAME).first()


def data_as_of() -> datetime | None:
    return ConsumerState.objects.filter(name=STATE_NAME).values_list("updated_at", flat=True).first()


def newest_event_id() -> int:
    """The id of the newest dossier or report event, 0 when there is none."""
    return sql.newest_events().values_list("pk", flat=True).first() or 0


def state_and_newest() -> tuple[ConsumerState | None, int]:
    """Where the rollups stand and the newest event id they should reach: one statement while they exist."""
    found = ConsumerState.objects.raw(*sql.state_and_newest(connection.vendor))
    current = next(iter(found), None)
    if current is None:
        return None, newest_event_id()
    return current, getattr(current, "newest", None) or 0


def _fetched(sql: str, params: tuple[Any, ...] | list[Any]) -> list[tuple]:
    """The statement's rows as the cursor gives them: for hundreds or thousands of rows, Django's per-row
    converters cost more than the query."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _key(name: str) -> F | Collate:
    """A text column to group by: compared bytewise on PostgreSQL, where the database's collation would
    make sorting a few thousand counters the slowest part of the query."""
    return Collate(F(name), "C") if connection.vendor == "postgresql" else F(name)


# Leaders ask the same units and periods over and over; building and compiling the statement took as long as
# PostgreSQL took to answer it.
@functools.lru_cache(maxsize=4096)
def _sums_statement(
    vendor: str, path: str, period: str, sector: str, metrics: tuple[str, ...], by_unit: bool
) -> tuple[str, tuple[Any, ...]]:
    # Without a sector, the totals over every sector: a quarter of the rows.
    counters = Counter.objects.filter(sector=sector) if sector else CounterTotal.objects.all()
    counters = counters.filter(period=period)
    if metrics:
        counters = counters.filter(metric__in=metrics)
    if path.count(PATH_SEPARATOR) == 1 and not metrics:  # a few metrics: joining first reads only theirs
        return _province_sums(counters, path, by_unit)
    counters = counters.filter(core_selectors.under_path(path, "unit__path"))
    keys = ("unit_id",) if by_unit else ()
    rows = counters.values(*keys, key=_key("metric")).annotate(total=Cast(Sum("value"), BigIntegerField()))
    return rows.values_list(*keys, "key", "total").query.sql_with_params()


def _unit_ids_statement(path: str) -> tuple[str, tuple[Any, ...]]:
    """The ids of the units under `path`, as a statement to select from."""
    units = AdminUnit.objects.filter(core_selectors.under_path(path))
    # A set of ids: sorting them by path cost PostgreSQL a sort per statement.
    return units.order_by().values("pk").query.sql_with_params()


def _province_sums(
    counters: QuerySet[Counter] | QuerySet[CounterTotal], path: str, by_unit: bool
) -> tuple[str, tuple[Any, ...]]:
    """The counters' sums (per unit with `by_unit`) and metric under a province, summed per unit before keeping
    the province's units: in the order of the (period, metric, unit) index nothing is sorted, where joining the
    units first made PostgreSQL expect a few hundred rows of the period's thousands and sort them all."""
    grouped = counters.values("metric", "unit_id").annotate(total=Cast(Sum("value"), BigIntegerField()))
    sql, params = grouped.values_list("unit_id", "metric", "total").query.sql_with_params()
    units_sql, units_params = _unit_ids_statement(path)
    kept = f"SELECT * FROM ({sql}) sums WHERE sums.unit_id IN ({units_sql})"
    if not by_unit:
        kept = f"SELECT metric, CAST(SUM(total) AS bigint) FROM ({kept}) kept GROUP BY metric"
    return kept, (*params, *units_params)


def _sums(
    unit: AdminUnit, period: str, sector: str, metrics: tuple[str, ...], *, by_unit: bool
) -> list[tuple]:
    """Counter sums per metric (per unit and metric with `by_unit`) under the unit."""
    return _fetched(*_sums_statement(connection.vendor, unit.path, period, sector, metrics, by_unit))


def counter_sums(
    *, unit: AdminUnit, period: str, sector: str = "", metrics: tuple[str, ...] = ()
) -> dict[str, int]:
    """Sums per metric under the unit for a period (only `metrics` when given)."""
    return dict(_sums(unit, period, sector, tuple(metrics), by_unit=False))


def _unit_sums(unit: AdminUnit, period: str, sector: str = "") -> list[tuple[int, str, int]]:
    """(unit id, metric, sum) for every unit under the unit in a period: one grouped query the score, the
    rankings and the map of a dashboard all read (~1,400 rows)."""
    return _sums(unit, period, sector, (), by_unit=True)


def _bucket(rows: list[tuple[int, str, int]], bucket_of: dict[int, int]) -> dict[int, dict[str, int]]:
    """Sums per bucket (a child unit, a commune) of the units' rows; rows of units in no bucket are left out."""
    return _split(rows, bucket_of)[0]


def _split(
    rows: list[tuple[int, str, int]], bucket_of: dict[int, int]
) -> tuple[dict[int, dict[str, int]], dict[str, int]]:
    """Sums per bucket of the units' rows (those of units in no bucket left out), and the sums of all rows:
    one pass."""
    sums: dict[int, dict[str, int]] = {}
    summed: dict[str, int] = {}
    for unit_id, metric, total in rows:
        summed[metric] = summed.get(metric, 0) + total
        bucket = bucket_of.get(unit_id)
        if bucket is not None:
            into = sums.get(bucket)
            if into is None:
                into = sums[bucket] = {}
            into[metric] = into.get(metric, 0) + total
    return sums, summed


def _summed(rows: list[tuple[int, str, int]]) -> dict[str, int]:
    sums: dict[str, int] = {}
    for _unit_id, metric, total in rows:
        sums[metric] = sums.get(metric, 0) + total
    return sums


def _procedures(unit: AdminUnit, sector: str = "") -> QuerySet[Procedure]:
    """Current procedures decided under the unit: its agencies' own, and the commune-level ones when the
    unit holds communes' people's committees."""
    procedures = Procedure.objects.filter(is_current=True)
    condition = Q(level=Procedure.Level.PROVINCE) & core_selectors.under_path(unit.path, "authority__path")
    if _holds_committees(unit):
        condition |= Q(level=Procedure.Level.COMMUNE)
    procedures = procedures.filter(condition)
    return procedures.filter(sector=sector) if sector else procedures


def _complete_parts() -> Q:
    steps = ProcessStep.objects.filter(procedure=OuterRef("pk"))
    documents = RequiredDocument.objects.filter(procedure=OuterRef("pk"))
    return (
        ~Q(name="")
        & ~Q(authority_name="")
        & ~Q(online_level="")
        & (Q(processing_days__gt=0) | Q(processing_hours__gt=0))
        & Q(Exists(steps))
        & Q(Exists(documents))
    )


CATALOG_CONDITIONS = {
    "1.2": lambda: Q(code_is_national=True),
    "1.3": _complete_parts,
    "3.1": lambda: Q(online_level__in=[Procedure.OnlineLevel.FULL, Procedure.OnlineLevel.PARTIAL]),
    "5.6": lambda: Q(
        Exists(
            RequiredDocument.objects.filter(
                procedure=OuterRef("pk"), reusable_from=RequiredDocument.Source.POPULATION_REGISTRY
            )
        )
    ),
}


@dataclass(frozen=True)
class CatalogRow:
    """Current procedures of one level, authority and sector that meet the same catalog indicators."""

    level: str
    authority_path: str
    meets: frozenset[str]
    procedures: int = 1
    sector: str = ""


@functools.cache
def _catalog_query(vendor: str) -> tuple[str, tuple[Any, ...]]:
    """The catalog query, compiled once per process: building its conditions takes longer than running it."""
    flags = {
        f"meets_{index}": ExpressionWrapper(condition(), output_field=BooleanField())
        for index, condition in enumerate(CATALOG_CONDITIONS.values())
    }
    procedures = Procedure.objects.filter(is_current=True).order_by("sector").annotate(**flags)
    return procedures.values("level", "authority__path", "sector", *flags).query.sql_with_params()


def catalog_rows(sector: str = "") -> list[CatalogRow]:
    """Current procedures grouped by level, authority, sector and the catalog indicators they meet, in the
    order of their sectors: one query."""
    found = _fetched(*_catalog_query(connection.vendor))
    groups: dict[tuple[str, str, str, frozenset[str]], int] = {}
    for level, authority_path, row_sector, *flags in found:
        if sector and row_sector != sector:
            continue
        meets = frozenset(code for code, met in zip(CATALOG_CONDITIONS, flags, strict=True) if met)
        key = (level, authority_path or "", row_sector, meets)
        groups[key] = groups.get(key, 0) + 1
    return [
        CatalogRow(level, path, meets, count, sector)
        for (level, path, sector, meets), count in groups.items()
    ]


# Publishing a procedure raises no event the dashboards follow, so their shared renders may show the catalog's
# indicators a minute late already (views.DASHBOARD_SECONDS); each process reads the catalog that often too.
_CATALOG = caching.Kept("ioc.catalog_rows", seconds=60.0, max_entries=1)


def _recent_catalog_rows() -> list[CatalogRow]:
    """catalog_rows() as this process read it less than a minute ago."""
    return _CATALOG.get("all", catalog_rows)


def _holds_committees(unit: AdminUnit) -> bool:
    return unit.kind in (AdminUnit.Kind.PROVINCE, AdminUnit.Kind.COMMUNE) or unit.category == "UBND"


def catalog_counts(
    *, unit: AdminUnit, sector: str = "", rows: list[CatalogRow] | None = None
) -> dict[str, tuple[int, int]]:
    """(procedures meeting, procedures) per catalog indicator, over the procedures decided under the unit."""
    rows = (
        catalog_rows(sector) if rows is None else [row for row in rows if not sector or row.sector == sector]
    )
    return _tally(_decided_under(unit, rows))


def _decided_under(unit: AdminUnit, rows: list[CatalogRow]) -> list[CatalogRow]:
    committees = _holds_committees(unit)
    return [
        row
        for row in rows
        if (row.level == Procedure.Level.COMMUNE and committees)
        or (row.level == Procedure.Level.PROVINCE and row.authority_path.startswith(unit.path))
    ]


def _tally(rows: list[CatalogRow]) -> dict[str, tuple[int, int]]:
    total = sum(row.procedures for row in rows)
    return {
        code: (sum(row.procedures for row in rows if code in row.meets), total) for code in CATALOG_CONDITIONS
    }


# ---- the index --------------------------------------------------------------------------------------


@dataclass
class Group:
    code: str
    name: str
    points: float
    score: float = 0.0
    computable_points: float = 0.0
    values: list[Any] = field(default_factory=list[Any])


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


_NOT_READ = object()


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
                group.score += value.points
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
        data_as_of=data_as_of() if as_of is _NOT_READ else as_of,
    )


def scorecard(*, actor: User, unit_code: str = "", period: Period, sector: str = "") -> Scorecard:
    """Every indicator of the service index and the field-report KPIs for a unit and a period."""
    return _scorecard(unit_for(actor, unit_code), period, sector)


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


def _catalog_points(decided: list[CatalogRow]) -> float:
    counts = _tally(decided)
    return sum(rules.evaluate(i, {}, counts).points or 0 for i in _SCORED_BY_CATALOG)


def _rank(
    children: list[AdminUnit], sums: dict[int, dict[str, int]], catalog: list[CatalogRow], sector: str
) -> list[RankRow]:
    """The children with data, best score first, then those without data in the period, by name."""
    catalog = [row for row in catalog if not sector or row.sector == sector]
    communes_decide = [row for row in catalog if row.level == Procedure.Level.COMMUNE]
    agencies_decide = [row for row in catalog if row.level == Procedure.Level.PROVINCE]
    # Children deciding the same procedures share their catalog points: every commune, most agencies.
    shared: dict[tuple[bool, tuple[int, ...]], float] = {}
    result = []
    for child in children:
        child_sums = sums.get(child.pk, {})
        committees = _holds_committees(child)
        own = tuple(i for i, row in enumerate(agencies_decide) if row.authority_path.startswith(child.path))
        catalog_points = shared.get((committees, own))
        if catalog_points is None:
            decided = (communes_decide if committees else []) + [agencies_decide[i] for i in own]
            catalog_points = shared[(committees, own)] = _catalog_points(decided)
        # The score is the indicators' points; of those followed outside it, the ranking shows PA.3 only.
        values = {i.code: rules.evaluate(i, child_sums, {}) for i in _SCORED_BY_COUNTERS}
        total = round(catalog_points + sum(v.points for v in values.values() if v.points is not None), 2)
        result.append(
            RankRow(
                unit=child,
                score=total,
                on_time=values["2.1"],
                online=values["3.2"],
                reports_on_time=rules.evaluate(rules.ALL["PA.3"], child_sums, {}),
                received=child_sums.get("received", 0),
                has_data=any(value.denominator for value in values.values()),
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


def trend(
    *,
    actor: User,
    unit_code: str = "",
    period: Period,
    sector: str = "",
    months: int = 12,
    roots: list[AdminUnit] | None = None,
) -> list[dict]:
    """Month by month up to the period's last month: on-time and online rates, records received."""
    return _trend(unit_for(actor, unit_code, roots=roots), period, sector, months)


def _trend(
    unit: AdminUnit,
    period: Period,
    sector: str,
    months: int = 12,
    known: dict[str, dict[str, int]] | None = None,
) -> list[dict]:
    """The trend; `known` holds sums of months already read (metric by metric, as _month_sums reads them)."""
    known = known or {}
    keys = [month.key for month in period.previous_months(months)]
    shown = {"received", "fr_received"} | {
        metric
        for code in ("2.1", "3.2")
        for metric in rules.BY_CODE[code].numerator + rules.BY_CODE[code].denominator
    }
    sums = _closed_or_read(unit, [key for key in keys if key not in known], sorted(shown), sector)
    sums |= {key: month_sums for key, month_sums in known.items() if key in keys}
    points = []
    for month in period.previous_months(months):
        month_sums = sums[month.key]
        points.append(
            {
                "period": month.key,
                "label": f"{month.first_month:02d}/{month.year}",
                "on_time_rate": rules.evaluate(rules.BY_CODE["2.1"], month_sums, {}).rate,
                "online_rate": rules.evaluate(rules.BY_CODE["3.2"], month_sums, {}).rate,
                "received": month_sums.get("received", 0),
                "reports_received": month_sums.get("fr_received", 0),
            }
        )
    return points


# Months before the current one change only when events reach them late: each process keeps their sums a
# minute, so a dashboard refreshed by many leaders does not sum a year of counters every time.
_CLOSED_MONTHS = caching.Kept("ioc.closed_months", seconds=60.0, max_entries=10_000)


def _closed_or_read(
    unit: AdminUnit, keys: list[str], metrics: list[str], sector: str
) -> dict[str, dict[str, int]]:
    """_month_sums, with the closed months' sums taken from this process's recent reads."""
    current = periods.of(timezone.now()).key
    sums, missing = {}, []
    for key in keys:
        kept = _CLOSED_MONTHS.peek((unit.pk, sector, key, *metrics)) if key < current else None
        if kept is not None:
            sums[key] = kept
        else:
            missing.append(key)
    read = _month_sums(unit, missing, metrics, sector)
    for key, month_sums in read.items():
        if key < current:
            _CLOSED_MONTHS.put((unit.pk, sector, key, *metrics), month_sums)
    return sums | read


def _every_sector(metric: str) -> bool:
    """Whether a metric counts field reports, which have no sector: summed over every sector."""
    return metric.startswith("fr_")


def _month_sums(
    unit: AdminUnit, keys: list[str], metrics: list[str], sector: str
) -> dict[str, dict[str, int]]:
    """Sums per period and metric under the unit (field reports' metrics over every sector): one indexed sum
    per pair, which PostgreSQL reads off the covering index where grouping the ~30,000 counters of a
    province's year by period and metric spent most of the trend's time hashing."""
    if not keys:
        return {}
    units_sql, units_params = _unit_ids_statement(unit.path)
    pairs = [(key, metric, _every_sector(metric)) for key in keys for metric in metrics]
    sector_sql = " AND (pairs.every_sector = %s OR c.sector = %s)" if sector else ""
    table = (Counter if sector else CounterTotal)._meta.db_table
    sql = (
        f"WITH pairs (period, metric, every_sector) AS (VALUES {', '.join(['(%s, %s, %s)'] * len(pairs))}) "
        f"SELECT pairs.period, pairs.metric, (SELECT SUM(c.value) FROM {table} c "
        f"WHERE c.unit_id IN ({units_sql}) AND c.period = pairs.period AND c.metric = pairs.metric{sector_sql}) "
        "FROM pairs"
    )
    params = (
        [value for pair in pairs for value in pair] + list(units_params) + ([True, sector] if sector else [])
    )
    sums: dict[str, dict[str, int]] = {key: {} for key in keys}
    for key, metric, total in _fetched(sql, params):
        if total is not None:
            sums[key][metric] = int(total)
    return sums


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
    found = _fetched(*rows.query.sql_with_params())  # up to 2,000 rows
    return [ReportPoint(code, lat, lon, kind, bool(late)) for code, lat, lon, kind, late in found]


def _mapped_communes(unit: AdminUnit, units: list[AdminUnit]) -> list[AdminUnit]:
    """The communes under the unit with their centre; a unit without any shows the commune it lies in."""
    communes = [u for u in units if u.kind == AdminUnit.Kind.COMMUNE and u.latitude is not None]
    if not communes and unit.kind != AdminUnit.Kind.PROVINCE:
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
    rows = counters.values("unit_id", "unit__path", key=_key("metric")).annotate(total=Sum("value"))
    rows = list(rows.values_list("unit_id", "unit__path", "key", "total"))
    by_path = {commune.path: commune.pk for commune in communes}
    buckets = {}
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


@dataclass
class Dashboard:
    card: Scorecard
    agencies: list[RankRow]
    communes: list[RankRow]
    trend: list[dict]
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


# ---- drill-down: the records behind a number -------------------------------------------------------


@dataclass
class RecordRow:
    code: str
    title: str
    unit: str
    start: datetime
    deadline: datetime | None
    end: datetime | None
    verdict: str
    url: str


def _in(period: Period, field_name: str) -> Q:
    return Q(**{f"{field_name}__gte": period.start, f"{field_name}__lt": period.end})


# What the drill-down lists read of each fact, as named tuples: model instances (and their units) cost
# several times as much to build, which a full export of some 10,000 records pays for each one.
_DOSSIER_FIELDS = (
    "code",
    "procedure_code",
    "unit__name",
    "submitted_at",
    "accepted_at",
    "deadline",
    "ended_at",
    "supplements",
    "channel",
    "rating",
)
_REPORT_FIELDS = (
    "tracking_code",
    "category",
    "unit__name",
    "submitted_at",
    "due_at",
    "resolved_at",
    "published_at",
    "closed_at",
    "satisfied",
)


def _dossier_verdict(indicator: str, period: Period, as_of: datetime | None) -> Callable[[Any], str]:
    """How a dossier counted in the indicator, for a row of the list, as the counters judged it as of
    `as_of` (rules.open_judged_at); the texts translated once a list."""
    start, end = period.start, period.end
    judged_at = rules.open_judged_at(end, as_of)
    if indicator in ("2.1", "6.3"):
        verdicts = {
            (True, True): _("Đúng hạn (kết thúc)"),
            (True, False): _("Quá hạn (kết thúc)"),
            (False, True): _("Đúng hạn (còn mở cuối kỳ)"),
            (False, False): _("Quá hạn (còn mở cuối kỳ)"),
        }

        def judged(fact) -> str:
            ended = fact.ended_at is not None and start <= fact.ended_at < end
            return verdicts[(ended, rules.on_time_at(fact, fact.ended_at if ended else judged_at))]

        return judged
    if indicator in ("3.2", "3.3"):
        online, other = _("Trực tuyến"), _("Trực tiếp hoặc bưu chính")
        return lambda fact: online if fact.channel == Channel.ONLINE else other
    if indicator == "HL":
        labels = {rating.value: str(rating.label) for rating in Rating}
        return lambda fact: labels[fact.rating] if fact.rating else ""
    online, other = _("Có kết quả điện tử; nộp trực tuyến"), _("Có kết quả điện tử")
    return lambda fact: online if fact.channel == Channel.ONLINE else other


def _dossier_rows(
    indicator: str, facts: QuerySet[DossierFact], period: Period, as_of: datetime | None
) -> list[RecordRow]:
    found = list(facts.values_list(*_DOSSIER_FIELDS, named=True))
    codes = {fact.procedure_code for fact in found}
    names = dict(Procedure.objects.filter(code__in=codes, is_current=True).values_list("code", "name"))
    url = url_of("dossiers:detail")
    verdict = _dossier_verdict(indicator, period, as_of)
    return [
        RecordRow(
            code=fact.code,
            title=names.get(fact.procedure_code, fact.procedure_code),
            unit=fact.unit__name,
            start=fact.submitted_at,
            deadline=fact.deadline,
            end=fact.ended_at,
            verdict=verdict(fact),
            url=url(fact.code),
        )
        for fact in found
    ]


def _report_verdict(period: Period, as_of: datetime | None) -> Callable[[Any], str]:
    """How a field report counted, for a row of the list, judged as the counters were as of `as_of`; the
    texts translated once a list."""
    end = rules.open_judged_at(period.end, as_of)
    on_time, late = _("Xử lý đúng hạn"), _("Xử lý quá hạn")
    open_late, open_in_time, closed = _("Đang xử lý, quá hạn"), _("Đang xử lý, trong hạn"), _("Đã đóng")
    satisfied, unsatisfied = _("; hài lòng"), _("; không hài lòng")

    def verdict(fact) -> str:
        if fact.published_at is not None:
            text = on_time if fact.resolved_at is not None and fact.resolved_at <= fact.due_at else late
        elif fact.closed_at is None:
            text = open_late if fact.due_at < end else open_in_time
        else:
            text = closed
        if fact.satisfied is not None:
            text += satisfied if fact.satisfied else unsatisfied
        return text

    return verdict


def _report_rows(facts: QuerySet[ReportFact], period: Period, as_of: datetime | None) -> list[RecordRow]:
    from tinhso.fieldreports.models import Category

    found = list(facts.values_list(*_REPORT_FIELDS, named=True))
    names = {c.code: c.display_name for c in Category.objects.filter(code__in={f.category for f in found})}
    url = url_of("fieldreports:staff-detail")
    verdict = _report_verdict(period, as_of)
    return [
        RecordRow(
            code=fact.tracking_code,
            title=names.get(fact.category, fact.category),
            unit=fact.unit__name,
            start=fact.submitted_at,
            deadline=fact.due_at,
            end=fact.published_at or fact.closed_at,
            verdict=verdict(fact),
            url=url(fact.tracking_code),
        )
        for fact in found
    ]


def _procedure_rows(indicator: str, unit: AdminUnit, sector: str) -> list[RecordRow]:
    procedures = _procedures(unit, sector)
    meeting = set(procedures.filter(CATALOG_CONDITIONS[indicator]()).values_list("pk", flat=True))
    return [
        RecordRow(
            code=procedure.code,
            title=procedure.name,
            unit=procedure.authority_name,
            start=procedure.published_at,
            deadline=None,
            end=None,
            verdict=_("Đạt") if procedure.pk in meeting else _("Chưa đạt"),
            url=reverse("catalog:procedure-detail", args=[procedure.code]),
        )
        for procedure in procedures.order_by("sector", "name")
    ]


def _dossier_facts(
    indicator: str, unit: AdminUnit, period: Period, sector: str, horizon: str
) -> QuerySet[DossierFact]:
    facts = DossierFact.objects.filter(core_selectors.under_path(unit.path, "unit__path"))
    if sector:
        facts = facts.filter(sector=sector)
    # Every record behind a number was submitted before the period's end: lets the newest-first page walk
    # the submission index backwards from there.
    facts = facts.filter(submitted_at__lt=period.end)
    if indicator in ("2.1", "6.3"):
        open_at_end = Q(accepted_at__lt=period.end) & (Q(ended_at__isnull=True) | Q(ended_at__gte=period.end))
        if not horizon or period.start > periods.parse(horizon).start:
            open_at_end = Q(pk__in=[])
        # A dossier the applicant withdrew is not among those resolved (rules.counts_as_resolved).
        resolved = _in(period, "ended_at") & ~Q(status=Status.WITHDRAWN)
        condition = resolved | open_at_end
        if indicator == "6.3":
            condition |= _in(period, "rated_at")
        return facts.filter(condition)
    if indicator in ("3.2", "3.3"):
        facts = facts.filter(_in(period, "submitted_at"))
        return facts.filter(full_online=True) if indicator == "3.3" else facts
    if indicator == "HL":
        return facts.filter(_in(period, "rated_at"))
    return facts.filter(_in(period, "finished_at"))


def _report_facts(
    indicator: str, unit: AdminUnit, period: Period, as_of: datetime | None
) -> QuerySet[ReportFact]:
    facts = ReportFact.objects.filter(core_selectors.under_path(unit.path, "unit__path"))
    if indicator == "PA.1":
        return facts.filter(_in(period, "submitted_at"))
    if indicator in ("PA.2", "PA.3"):
        return facts.filter(_in(period, "published_at"))
    if indicator == "PA.5":
        return facts.filter(_in(period, "rated_at"))
    judged_at = rules.open_judged_at(period.end, as_of)
    open_overdue = Q(submitted_at__lt=period.end, due_at__lt=judged_at) & (
        Q(closed_at__isnull=True) | Q(closed_at__gte=period.end)
    )
    handled_late = _in(period, "published_at") & (
        Q(resolved_at__isnull=True) | Q(resolved_at__gt=F("due_at"))
    )
    return facts.filter(open_overdue | handled_late)


@dataclass
class Drill:
    indicator: rules.Indicator
    unit: AdminUnit
    period: Period
    sector: str
    rows: list[RecordRow]
    total: int
    value: rules.Value | None


def records(
    *,
    actor: User,
    indicator: str,
    unit_code: str = "",
    period: Period,
    sector: str = "",
    limit: int | None = PAGE_SIZE,
    roots: list[AdminUnit] | None = None,
    rollups: object = _NOT_READ,
) -> Drill:
    """The dossiers, reports or procedures behind an indicator's number, with how each one counted, as the
    counters judged them: at the `rollups`' state (read when not given): the latest month open records
    reach and the instant they were judged at."""
    definition = rules.ALL.get(indicator)
    if definition is None or definition.source == "none":
        raise NotFound(
            gettext_lazy("Chỉ số “%(indicator)s” không có danh sách hồ sơ."),
            code="indicator_not_found",
            params={"indicator": indicator},
        )
    unit = unit_for(actor, unit_code, roots=roots)
    current = state() if rollups is _NOT_READ else rollups
    horizon = current.horizon if isinstance(current, ConsumerState) else ""
    as_of = current.updated_at if isinstance(current, ConsumerState) else None
    value = indicator_value(unit=unit, period=period, sector=sector, indicator=definition)
    if definition.drill == "procedures":
        rows = _procedure_rows(indicator, unit, sector)
        total = len(rows)
    elif definition.drill == "reports":
        facts = _report_facts(indicator, unit, period, as_of).order_by("-submitted_at", "-pk")
        total = _total(definition, value, facts)
        rows = _report_rows(facts[:limit] if limit else facts, period, as_of)
    else:
        facts = _dossier_facts(indicator, unit, period, sector, horizon).order_by("-submitted_at", "-pk")
        total = _total(definition, value, facts)
        rows = _dossier_rows(indicator, facts[:limit] if limit else facts, period, as_of)
    rows = rows[:limit] if limit else rows
    return Drill(definition, unit, period, sector, rows, total, value)


def indicator_value(
    *, unit: AdminUnit, period: Period, sector: str, indicator: rules.Indicator
) -> rules.Value:
    """One indicator as the scorecard computes it, reading only its own metrics (or the catalog)."""
    if indicator.source == "catalog":
        return rules.evaluate(indicator, {}, catalog_counts(unit=unit, sector=sector))
    # The composite reads metrics rules.evaluate names itself: all of them are read.
    metrics = () if indicator.source == "composite" else indicator.numerator + indicator.denominator
    # Field reports have no sector: their KPIs ignore the sector filter, as on the scorecard.
    sector = "" if indicator.group == "PAHT" else sector
    sums = counter_sums(unit=unit, period=period.key, sector=sector, metrics=metrics)
    return rules.evaluate(indicator, sums, {})


def _total(definition: rules.Indicator, value: rules.Value, facts: QuerySet[Any]) -> int:
    """How many records lie behind the number. Each adds one to the indicator's denominator (or its only
    numerator metric), so the counters already hold it; counting the facts instead would read them all."""
    if definition.denominator:
        return int(value.denominator or 0)
    if len(definition.numerator) == 1:
        return int(value.numerator or 0)
    return facts.count()


def alert_title(payload: dict) -> str:
    """What a leader is told of a breach (an `ioc.alert_raised` event's payload): the unit's name, the month,
    the rate and the threshold as the pages write them."""
    unit = AdminUnit.objects.filter(code=payload.get("unit", "")).values_list("name", flat=True).first()
    period = periods.parse(payload["period"]) if payload.get("period") else None
    threshold = payload.get("threshold")
    return _(
        "Cảnh báo: chỉ số %(indicator)s của %(unit)s tháng %(month)s là %(rate)s, dưới ngưỡng %(threshold)s."
    ) % {
        "indicator": payload.get("indicator", ""),
        "unit": unit or payload.get("unit", ""),
        "month": f"{period.first_month:02d}/{period.year}" if period else "",
        "rate": formats.percent(float(payload.get("rate", 0))),
        "threshold": formats.percent(float(threshold)) if threshold is not None else "—",
    }


def alerts_for(*, actor: User, limit: int = 20, roots: list[AdminUnit] | None = None) -> list[Alert]:
    """Open breaches in the units the user follows (those under `roots`, the root_units, when given)."""
    if roots is None:
        where = Q(
            unit__in=core_selectors.units_where(actor, *IOC_ROLES, domain=Domain.OPERATIONS).values("pk")
        )
    else:  # the alert's unit is joined anyway: its path says whether it lies under a root
        where = Q()
        for root in roots:
            where |= core_selectors.under_path(root.path, "unit__path")
    return list(Alert.objects.filter(where, cleared_at__isnull=True).select_related("rule", "unit")[:limit])
