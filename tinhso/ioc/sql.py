"""The IOC's hand-written SQL, and the ORM statements it builds once per process instead of at every request.
Each function says which ORM behaviour it replaces and why; tinhso/ioc/tests/test_sql.py runs each against the
ORM query it stands for and compares the rows. Each is kept because its saving shows in bench/instructions.py
(docs/benchmarks.md); one that does not goes back to the ORM."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import BigIntegerField, BooleanField, ExpressionWrapper, F, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Collate

from tinhso.catalog.models import Procedure
from tinhso.core import caching
from tinhso.core import selectors as core_selectors
from tinhso.core import sql as core_sql
from tinhso.core.models import PATH_SEPARATOR, AdminUnit, Event, RoleAssignment
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


@caching.memo("ioc.sql.newest", maxsize=4)
def newest_statement(vendor: str) -> Statement:
    """newest_events()' first id compiled once."""
    statement: Statement = newest_events().values("pk")[:1].query.sql_with_params()
    return statement


def log_given(vendor: str) -> str:
    """An expression for the highest id the event log has handed out, committed or not (None on PostgreSQL
    while its sequence was set but not used since). None or a value past the rollups' cursor says only that
    an event may have come; at or below it, none did. PostgreSQL reads the sequence, one row: the newest
    dossier or report event itself is a backward index scan in each of the log's monthly partitions."""
    table, column = Event._meta.db_table, Event._meta.pk.column
    if vendor == "postgresql":
        return f"pg_sequence_last_value(pg_get_serial_sequence('{table}', '{column}')::regclass)"
    return f"(SELECT max({column}) FROM {connection.ops.quote_name(table)})"  # SQLite: its rowid's last entry


@caching.memo("ioc.sql.state_and_newest", maxsize=4)
def state_and_newest(vendor: str) -> Statement:
    """state_and_newest_query() compiled once: every IOC page asks it (catch_up), and building it cost four
    times running it."""
    statement: Statement = state_and_newest_query().query.sql_with_params()
    return statement


# ---- who may see a kept dashboard, and for which rollup state -------------------------------------------

# (last event id applied, horizon, updated at, newest event id) of the rollups; None where they have no state.
# The newest id is the log's highest when that is not past the cursor (no event came since), else the newest
# dossier, report or payment event's.
RollupState = tuple[Any, Any, Any, Any]


def session_access(
    *, session_key: str, user_id: Any, now: datetime, today: date
) -> tuple[tuple[Any, ...], RollupState]:
    """In one statement on the primary, what decides who asks and what they may see: the session's data while
    it is unexpired (None once signed out), the account as the session reads it (core.sql.signed_in_user: with
    its confirmed devices and unread count), the ids, roles, domains and units of its roles in force; then where
    the rollups stand, with the newest of our events only when the log moved past them (a second statement).
    What a kept dashboard checks on every request instead of the session, the account, the roles and the
    rollups' four statements: the first tuple equal to the one read when the page was rendered means the same
    person, with the same rights, passing the same second factor."""
    database = connections[DEFAULT_DB_ALIAS]
    statement, params = _session_access_statement(database.vendor)
    with database.cursor() as cursor:
        cursor.execute(
            statement,
            [
                session_key,
                database.ops.adapt_datetimefield_value(now),
                user_id,
                database.ops.adapt_datefield_value(today),
                user_id,
                *params,
            ],
        )
        row = cursor.fetchone()
        if row is None:
            return (), (None, None, None, None)
        facts, (last_event_id, horizon, updated_at, given) = tuple(row[:-4]), row[-4:]
        newest_id = given
        if last_event_id is not None and (given is None or given > last_event_id):
            cursor.execute(*newest_statement(database.vendor))  # some event came since: is it one of ours?
            found = cursor.fetchone()
            newest_id = found[0] if found else None
    return facts, (last_event_id, horizon, updated_at, newest_id)


@caching.memo("ioc.sql.session_access", maxsize=4)
def _session_access_statement(vendor: str) -> Statement:
    quote = connection.ops.quote_name
    account = core_sql.signed_in_statement(vendor)
    role = (
        "concat_ws(':', r.id, r.role, r.domain, r.unit_id)"
        if vendor == "postgresql"
        else "r.id || ':' || r.role || ':' || r.domain || ':' || r.unit_id"
    )
    roles = "string_agg(role, ',')" if vendor == "postgresql" else "group_concat(role, ',')"
    statement = (
        "SELECT account.*, "
        f"(SELECT s.session_data FROM {quote(Session._meta.db_table)} s "
        "WHERE s.session_key = %s AND s.expire_date > %s), "
        f"(SELECT {roles} FROM (SELECT {role} AS role FROM {quote(RoleAssignment._meta.db_table)} r "
        "WHERE r.user_id = %s AND (r.valid_to IS NULL OR r.valid_to >= %s) ORDER BY r.id) roles), "
        f"state.last_event_id, state.horizon, state.updated_at, {log_given(vendor)} "
        f"FROM ({account}) account LEFT JOIN {quote(ConsumerState._meta.db_table)} state ON state.name = %s"
    )
    return statement, (STATE_NAME,)


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
