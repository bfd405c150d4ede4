"""The 12-month trend of the on-time and online rates and the records received."""

from typing import Any

from django.utils import timezone

from tinhso.core import caching
from tinhso.core.models import AdminUnit, User
from tinhso.ioc import periods, rules, sql
from tinhso.ioc.periods import Period
from tinhso.ioc.selectors.scope import unit_for


def trend(
    *,
    actor: User,
    unit_code: str = "",
    period: Period,
    sector: str = "",
    months: int = 12,
    roots: list[AdminUnit] | None = None,
) -> list[dict[str, Any]]:
    """Month by month up to the period's last month: on-time and online rates, records received."""
    return _trend(unit_for(actor, unit_code, roots=roots), period, sector, months)


def _trend(
    unit: AdminUnit,
    period: Period,
    sector: str,
    months: int = 12,
    known: dict[str, dict[str, int]] | None = None,
) -> list[dict[str, Any]]:
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
    pairs = [(key, metric, _every_sector(metric)) for key in keys for metric in metrics]
    found = sql.rows(sql.month_sums(unit.path, pairs, sector))
    sums: dict[str, dict[str, int]] = {key: {} for key in keys}
    for key, metric, total in found:
        if total is not None:
            sums[key][metric] = int(total)
    return sums
