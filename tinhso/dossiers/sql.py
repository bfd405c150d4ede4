"""The dossiers' hand-written SQL, each statement behind a named function that says why the ORM cannot write
it; tinhso/dossiers/tests/test_sql.py pins what it does."""

from datetime import date
from functools import cache

from django.db import connection

from tinhso.catalog import sql as catalog_sql
from tinhso.catalog.models import Procedure, ProcessStep
from tinhso.core.models import AdminUnit
from tinhso.core.sql import from_row, id_sequence_sql, reserve_id, select_list
from tinhso.dossiers.models import Dossier, DossierCounter


def next_number(*, unit: AdminUnit, day: date, procedure: Procedure) -> tuple[int, int] | None:
    """The receiving unit's next number of the day and the new dossier's id, or None, taking nothing, when
    `procedure` is no longer the current version. One upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING,
    which the ORM cannot write: `update_or_create` reads, then writes, and two desks would take one number)
    increments the counter and confirms the version; on PostgreSQL it also takes the dossier's id from its
    sequence. Outside a transaction it commits on its own, so the counter's row is locked for one statement."""
    statement = _counter_upsert(connection.vendor, own_commit=not connection.in_atomic_block)
    with connection.cursor() as cursor:
        cursor.execute(statement, [unit.pk, connection.ops.adapt_datefield_value(day), procedure.pk])
        numbered = cursor.fetchone()
    if numbered is None:
        return None
    # PostgreSQL answers the id with the number; elsewhere it is reserved by a statement of its own.
    return numbered[0], numbered[1] if len(numbered) > 1 else reserve_id(Dossier)


@cache
def _counter_upsert(vendor: str, *, own_commit: bool) -> str:
    quote = connection.ops.quote_name
    table, day, last = quote(DossierCounter._meta.db_table), quote("day"), quote("last")
    source = ""
    returning = last
    if vendor == "postgresql":
        # The dossier's id comes with its number: its event chain is named by the id before the one INSERT.
        returning = f"{last}, {id_sequence_sql(Dossier)}"
        if own_commit:
            # Its commit need not wait for the disk (under the row lock, that wait capped a desk at a few
            # hundred numbers a second): the dossier given the number commits later, and flushing that commit
            # flushes this.
            source = "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS unflushed "
    return (
        f"INSERT INTO {table} (unit_id, {day}, {last}) SELECT %s, %s, 1 {source}"
        f"WHERE {catalog_sql.still_current_sql()} "
        f"ON CONFLICT (unit_id, {day}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {returning}"
    )


# What a paid status-6 fee changes of the dossier (services._resume) and its event names (event_payload).
RESUMED_FIELDS = (
    "status",
    "version",
    "paused_at",
    "paused_status",
    "paused_total",
    "acknowledge_due_at",
    "promised_at",
    "original_promised_at",
    "step_due_at",
    "overdue_flagged_at",
)
_RESUMING = (
    (Dossier, "d", ("id", "code", "channel", "current_step", "current_unit", *RESUMED_FIELDS)),
    (ProcessStep, "s", ("id", "order")),
    (AdminUnit, "u", ("id", "code")),
)


def locked_for_payment(code: str) -> Dossier:
    """`Dossier.objects.select_for_update(of=("self",)).select_related("current_step", "current_unit")
    .get(code=code)` with only what a paid fee changes and its event names (the rest deferred), in a statement
    built once per process: a gateway's notice runs it under the order's lock, and the ORM compiled it anew
    each time. SQLite has no row locks (its writers queue for the whole database)."""
    with connection.cursor() as cursor:
        cursor.execute(_resuming_statement(connection.vendor), [code])
        row = cursor.fetchone()
    if row is None:
        raise Dossier.DoesNotExist(code)
    dossier, step, unit = from_row(row, *_RESUMING)
    assert isinstance(dossier, Dossier)
    Dossier.current_step.field.set_cached_value(dossier, step if dossier.current_step_id else None)
    Dossier.current_unit.field.set_cached_value(dossier, unit if dossier.current_unit_id else None)
    return dossier


@cache
def _resuming_statement(vendor: str) -> str:
    quote = connection.ops.quote_name
    step, unit = Dossier._meta.get_field("current_step"), Dossier._meta.get_field("current_unit")
    lock = " FOR UPDATE OF d" if vendor == "postgresql" else ""
    return (
        f"SELECT {select_list(*_RESUMING)} FROM {quote(Dossier._meta.db_table)} d "
        f"LEFT JOIN {quote(ProcessStep._meta.db_table)} s ON s.id = d.{quote(step.column)} "
        f"LEFT JOIN {quote(AdminUnit._meta.db_table)} u ON u.id = d.{quote(unit.column)} "
        f"WHERE d.code = %s{lock}"
    )
