"""The generator's hand-written SQL, each statement behind a named function. None has an ORM equivalent: they
read PostgreSQL's catalogue, move sequences, tune a session or load rows by COPY, as pg_restore does; the
generator's tests (test_indexes.py, test_writer.py, test_workers.py) pin what each does."""

from collections.abc import Iterable

from django.db import connection

# Every index of the given tables and of their partitions (the event log's months) but primary keys (ids come
# in order and are read back during the run), unique keys a foreign key points at (they cannot be dropped
# while it does) and a partition's share of its parent's index (dropped and made with it).
_SECONDARY = """
SELECT i.indexrelid::regclass::text, t.relname, pg_get_indexdef(i.indexrelid), k.conname,
       pg_get_constraintdef(k.oid)
FROM pg_index i
JOIN pg_class t ON t.oid = i.indrelid
LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid
WHERE (t.relname = ANY(%s) OR t.oid IN (
        SELECT h.inhrelid FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent WHERE p.relname = ANY(%s)))
  AND pg_table_is_visible(t.oid) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
  AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
ORDER BY array_position(%s, t.relname::text), i.indexrelid
"""


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def analyze(*, tables: Iterable[str]) -> None:
    """ANALYZE of each table (SQLite takes the same statement)."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {_quote(table)}")


def estimated_rows(*, table: str) -> float:
    """The planner's row estimate of a table (PostgreSQL): -1 for a table never analysed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return float(cursor.fetchone()[0])


def drop_secondary_indexes(*, tables: list[str]) -> list[tuple[str, str, str]]:
    """Drops the tables' secondary indexes and unique constraints (PostgreSQL), in the caller's transaction;
    returns (name, table, statement that rebuilds it) for each."""
    dropped = []
    with connection.cursor() as cursor:
        cursor.execute(_SECONDARY, [tables, tables, tables])
        for index, table, definition, constraint, constraint_definition in cursor.fetchall():
            if constraint:
                name = _quote(constraint)
                rebuild = f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {name} {constraint_definition}"
                drop = f"ALTER TABLE {_quote(table)} DROP CONSTRAINT {name}"
            else:
                # A partitioned table's index is defined ON ONLY the parent; rebuilt, it covers every partition.
                rebuild, drop = definition.replace(" ON ONLY ", " ON ", 1), f"DROP INDEX {index}"
            cursor.execute(drop)
            dropped.append((constraint or index, table, rebuild))
    return dropped


def rebuild_index(*, statement: str, memory: str) -> None:
    """Runs a statement drop_secondary_indexes() returned, sorting in `memory` (maintenance_work_mem)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [memory])
        cursor.execute(statement)


def last_id_written(*, table: str) -> int:
    """The id of the last row this connection wrote: on PostgreSQL the table's sequence numbers rows in the
    order written, so a worker's ids never collide with another's."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT currval(pg_get_serial_sequence(%s, 'id'))", [table])
        else:
            cursor.execute(f"SELECT MAX(id) FROM {_quote(table)}")
        return int(cursor.fetchone()[0])


def reserve_ids(*, table: str, first: int, count: int) -> int:
    """Moves the table's id sequence (PostgreSQL) past `count` ids from `first` or its next value, whichever
    is later, and returns where the reserved run starts."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
        first = max(first, cursor.fetchone()[0])
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first + count - 1])
    return first


def is_superuser() -> bool:
    """Whether this connection's role may skip triggers (session_replication_role needs a superuser)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


def loading_settings(*, skip_triggers: bool) -> None:
    """This transaction's commit does not wait for the disk; with `skip_triggers`, foreign-key triggers are
    off for it too (PostgreSQL)."""
    statement = "SELECT set_config('synchronous_commit', 'off', true)"
    if skip_triggers:
        statement += ", set_config('session_replication_role', 'replica', true)"
    with connection.cursor() as cursor:
        cursor.execute(statement)


def triggers_back() -> None:
    """Triggers fire again for the rest of the transaction (a caller's outer one may write on after the batch):
    the log's trigger keeps the chains' heads (tinhso.core.heads)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('session_replication_role', 'origin', true)")


def copy_lines(*, table: str, columns: list[str], lines: Iterable[str], chunk: int = 5000) -> None:
    """COPY of lines already in PostgreSQL's text format (PostgreSQL only)."""
    target = f"{_quote(table)} ({', '.join(_quote(column) for column in columns)})"
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
        pending: list[str] = []
        for line in lines:
            pending.append(line)
            if len(pending) >= chunk:
                copy.write("".join(pending))
                pending.clear()
        if pending:
            copy.write("".join(pending))
