"""Sums of the IOC counters per metric (per unit with by_unit) under a unit: the figures behind every KPI."""

from typing import Any

from django.db import connection

from tinhso.core.models import AdminUnit
from tinhso.ioc import sql


def _sums(
    unit: AdminUnit, period: str, sector: str, metrics: tuple[str, ...], *, by_unit: bool
) -> list[tuple[Any, ...]]:
    """Counter sums per metric (per unit and metric with `by_unit`) under the unit."""
    return sql.rows(sql.sums(connection.vendor, unit.path, period, sector, metrics, by_unit))


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
