"""The dossiers' hand-written SQL, each statement behind a named function that says why the ORM cannot write
it; tinhso/dossiers/tests/test_sql.py pins what it does."""

from datetime import date
from functools import cache

from django.db import connection

from tinhso.catalog import sql as catalog_sql
from tinhso.catalog.models import Procedure
from tinhso.core.models import AdminUnit
from tinhso.core.sql import id_sequence_sql, reserve_id
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
