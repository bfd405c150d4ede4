"""Sums of the IOC counters per metric (per unit with by_unit) under a unit: the figures behind every KPI."""

import functools
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    F,
    QuerySet,
    Sum,
)
from django.db.models.functions import Cast, Collate

from tinhso.core import selectors as core_selectors
from tinhso.core.models import PATH_SEPARATOR, AdminUnit
from tinhso.ioc.models import (
    Counter,
    CounterTotal,
)


def _fetched(sql: str, params: tuple[Any, ...] | list[Any]) -> list[tuple[Any, ...]]:
    """The statement's rows as the cursor gives them: for hundreds or thousands of rows, Django's per-row
    converters cost more than the query."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


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
    statement: tuple[str, tuple[Any, ...]] = rows.values_list(*keys, "key", "total").query.sql_with_params()
    return statement


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
) -> list[tuple[Any, ...]]:
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
