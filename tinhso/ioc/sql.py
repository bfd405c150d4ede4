"""The IOC's hand-written SQL, and the ORM statements it builds once per process instead of at every request.
Each function says which ORM behaviour it replaces and why; tinhso/ioc/tests/test_sql.py runs each against the
ORM query it stands for and compares the rows. Each is kept because its saving shows in bench/instructions.py
(docs/benchmarks.md); one that does not goes back to the ORM."""

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, BooleanField, ExpressionWrapper, F, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Collate

from tinhso.catalog.models import Procedure
from tinhso.core import caching
from tinhso.core import selectors as core_selectors
from tinhso.core.models import PATH_SEPARATOR, AdminUnit, Event
from tinhso.ioc.models import OUR_STREAMS, STATE_NAME, ConsumerState, Counter, CounterTotal

Statement = tuple[str, tuple[Any, ...]]


def rows(statement: Statement) -> list[tuple[Any, ...]]:
    """The statement's rows as the cursor gives them. Replaces QuerySet.values_list's per-row converters,
    which for a province's ~1,400 counter sums cost more than the query."""
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        found: list[tuple[Any, ...]] = cursor.fetchall()
        return found


# ---- where the rollups stand -----------------------------------------------------------------------


def newest_events() -> QuerySet[Event]:
    """The dossier, report and payment events, newest first."""
    ours = Q()
    for stream in OUR_STREAMS:
        ours |= Q(stream__startswith=stream)
    return Event.objects.filter(ours).order_by("-pk")


def state_and_newest_query() -> QuerySet[ConsumerState]:
    """Where the rollups stand, with the newest dossier or report event id as `newest`."""
    newest = Subquery(newest_events().values("pk")[:1])
    return ConsumerState.objects.filter(name=STATE_NAME).annotate(newest=newest)


@caching.memo("ioc.sql.state_and_newest", maxsize=4)
def state_and_newest(vendor: str) -> Statement:
    """state_and_newest_query() compiled once: every IOC page asks it (catch_up), and building it cost four
    times running it."""
    statement: Statement = state_and_newest_query().query.sql_with_params()
    return statement


# ---- counter sums ----------------------------------------------------------------------------------


def bytewise(name: str) -> F | Collate:
    """A text column to group by, compared bytewise on PostgreSQL, where the database's collation made sorting
    a few thousand counters the slowest part of the query."""
    return Collate(F(name), "C") if connection.vendor == "postgresql" else F(name)


def unit_ids(path: str) -> Statement:
    """The ids of the units under `path`, as a statement to select from: a set of ids, since sorting them by
    path cost PostgreSQL a sort per statement."""
    units = AdminUnit.objects.filter(core_selectors.under_path(path)).order_by().values("pk")
    statement: Statement = units.query.sql_with_params()
    return statement


def sums_query(
    path: str, period: str, sector: str, metrics: tuple[str, ...], by_unit: bool
) -> QuerySet[Counter] | QuerySet[CounterTotal]:
    """The counters' sums per metric (per unit and metric with `by_unit`) under `path` in a period, without a
    sector from the totals kept over every sector (a quarter of the rows)."""
    counters = Counter.objects.filter(sector=sector) if sector else CounterTotal.objects.all()
    counters = counters.filter(period=period, **({"metric__in": metrics} if metrics else {}))
    counters = counters.filter(core_selectors.under_path(path, "unit__path"))
    keys = ("unit_id",) if by_unit else ()
    grouped = counters.values(*keys, key=bytewise("metric")).annotate(
        total=Cast(Sum("value"), BigIntegerField())
    )
    return grouped.values_list(*keys, "key", "total")


@caching.memo("ioc.sql.sums", maxsize=4096)
def sums(
    vendor: str, path: str, period: str, sector: str, metrics: tuple[str, ...], by_unit: bool
) -> Statement:
    """sums_query() compiled once per unit, period, sector and metrics: leaders ask the same ones over and over,
    and compiling it cost as much as PostgreSQL took to answer. A province's sums of every metric are written
    by hand: summed per unit in the order of the (period, metric, unit) index before keeping the province's
    units, where the ORM's join made PostgreSQL expect a few hundred rows of the period's thousands and sort
    them all."""
    if path.count(PATH_SEPARATOR) != 1 or metrics:  # a few metrics: joining first reads only theirs
        statement: Statement = sums_query(path, period, sector, metrics, by_unit).query.sql_with_params()
        return statement
    counters = Counter.objects.filter(sector=sector) if sector else CounterTotal.objects.all()
    grouped = (
        counters.filter(period=period)
        .values("metric", "unit_id")
        .annotate(total=Cast(Sum("value"), BigIntegerField()))
    )
    sql, params = grouped.values_list("unit_id", "metric", "total").query.sql_with_params()
    units_sql, units_params = unit_ids(path)
    kept = f"SELECT * FROM ({sql}) sums WHERE sums.unit_id IN ({units_sql})"
    if not by_unit:
        kept = f"SELECT metric, CAST(SUM(total) AS bigint) FROM ({kept}) kept GROUP BY metric"
    return kept, (*params, *units_params)


def month_sums(path: str, pairs: list[tuple[str, str, bool]], sector: str) -> Statement:
    """(period, metric, sum) for each (period, metric, over every sector) pair under `path`. Replaces grouping
    the counters by period and metric, which spent most of a trend's time hashing a province's ~30,000
    counters of a year: one indexed sum per pair, which PostgreSQL reads off the covering index. The ORM
    cannot join a VALUES list."""
    units_sql, units_params = unit_ids(path)
    sector_sql = " AND (pairs.every_sector = %s OR c.sector = %s)" if sector else ""
    table = (Counter if sector else CounterTotal)._meta.db_table
    sql = (
        f"WITH pairs (period, metric, every_sector) AS (VALUES {', '.join(['(%s, %s, %s)'] * len(pairs))}) "
        f"SELECT pairs.period, pairs.metric, (SELECT SUM(c.value) FROM {table} c "
        f"WHERE c.unit_id IN ({units_sql}) AND c.period = pairs.period AND c.metric = pairs.metric{sector_sql}) "
        "FROM pairs"
    )
    values = [value for pair in pairs for value in pair]
    return sql, (*values, *units_params, *((True, sector) if sector else ()))


# ---- the catalog -----------------------------------------------------------------------------------


def catalog_query(conditions: Callable[[], list[Q]]) -> QuerySet[Procedure, tuple[Any, ...]]:
    """Current procedures in the order of their sectors: level, authority's path, sector, and whether each of
    the conditions holds."""
    flags = {
        f"meets_{index}": ExpressionWrapper(condition, output_field=BooleanField())
        for index, condition in enumerate(conditions())
    }
    procedures = Procedure.objects.filter(is_current=True).order_by("sector").annotate(**flags)
    return procedures.values_list("level", "authority__path", "sector", *flags)


@caching.memo("ioc.sql.catalog", maxsize=4)
def catalog(vendor: str, conditions: Callable[[], list[Q]]) -> Statement:
    """catalog_query() compiled once: building its conditions took longer than running it."""
    statement: Statement = catalog_query(conditions).query.sql_with_params()
    return statement
